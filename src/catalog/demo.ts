import { existsSync, readFileSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import { query, sql, type Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { facetsOf } from './facets.ts';
import { importRows, parseJson } from './import.ts';
import { loadLexicon, loadSynonyms } from './lexicon.ts';
import { Vocabulary } from './vocabulary.ts';

/** A store folder's demo catalog (catalog.json next to its store.yaml), if it has one. */
export const storeCatalogFile = (storeDir: string) => `${storeDir}catalog.json`;

/**
 * Loads the store folder's catalog.json when the embedded default starts with no catalog at all
 * (DEMO_CATALOG `on` or a sample's name; `off` skips it). A store that imported its own, even
 * one whose products are all deactivated, is never touched.
 */
export async function loadDemoCatalogIfEmpty(opts: { db: Db; clock: Clock; log: Logger; currency: string; storeDir: string; enabled?: boolean }): Promise<number> {
  const file = storeCatalogFile(opts.storeDir);
  if (opts.enabled === false || !existsSync(file)) return 0;
  const [row] = await query<{ any: boolean }>(opts.db, sql`select exists (select 1 from products) as any`);
  if (row!.any) return 0;
  const { rows } = parseJson(readFileSync(file, 'utf8'), opts.currency);
  await importRows(opts.db, rows, () => opts.clock.now());
  opts.log.info({ products: rows.length, file }, 'demo catalog loaded');
  return rows.length;
}

/** A store folder's vocabulary without a database: its catalog.json's facets, the lexicon and its synonyms (tests, the eval, benches). */
export function storeVocabulary(storeDir: string): Vocabulary {
  const { rows } = parseJson(readFileSync(storeCatalogFile(storeDir), 'utf8'), 'KZT');
  return new Vocabulary(facetsOf(rows), loadLexicon(), loadSynonyms(`${storeDir}synonyms.yaml`));
}
