import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import { sampleStoreDir, type SampleStore } from '../config.ts';
import { query, sql, type Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { facetsOf } from './facets.ts';
import { importRows, parseJson } from './import.ts';
import { loadLexicon, loadSynonyms } from './lexicon.ts';
import { Vocabulary } from './vocabulary.ts';

export type { SampleStore };

/** A sample store's catalog file (templates/samples/NAME/catalog.json). */
export const sampleCatalogFile = (name: SampleStore) => new URL(`../../templates/samples/${name}/catalog.json`, import.meta.url);

/**
 * Loads a sample store's catalog when the embedded default starts with no catalog at all
 * (DEMO_CATALOG; `off` skips it). A store that imported its own is never touched.
 */
export async function loadDemoCatalogIfEmpty(opts: { db: Db; clock: Clock; log: Logger; currency: string; sample?: SampleStore | 'off' }): Promise<number> {
  const sample = opts.sample ?? 'furniture';
  if (sample === 'off') return 0;
  const [row] = await query<{ any: boolean }>(opts.db, sql`select exists (select 1 from products) as any`);
  if (row!.any) return 0;
  const text = readFileSync(sampleCatalogFile(sample), 'utf8');
  const { rows } = parseJson(text, opts.currency);
  await importRows(opts.db, rows, () => opts.clock.now());
  opts.log.info({ products: rows.length, sample, dir: sampleStoreDir(sample) }, 'demo catalog loaded');
  return rows.length;
}

/** A sample store's vocabulary without a database: its catalog file's facets, the lexicon and its synonyms (tests, the eval, benches). */
export function sampleVocabulary(name: SampleStore): Vocabulary {
  const { rows } = parseJson(readFileSync(sampleCatalogFile(name), 'utf8'), 'KZT');
  return new Vocabulary(facetsOf(rows), loadLexicon(), loadSynonyms(`${sampleStoreDir(name)}synonyms.yaml`));
}
