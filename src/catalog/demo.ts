import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { countProducts } from './catalog-repo.ts';
import { importRows, parseJson } from './import.ts';

/** Loads the demo furniture catalog when the embedded default starts with an empty catalog. */
export async function loadDemoCatalogIfEmpty(opts: { db: Db; clock: Clock; log: Logger; currency: string }): Promise<number> {
  if ((await countProducts(opts.db)) > 0) return 0;
  const text = readFileSync(new URL('./demo-catalog.json', import.meta.url), 'utf8');
  const { rows } = parseJson(text, opts.currency);
  await importRows(opts.db, rows, () => opts.clock.now());
  opts.log.info({ products: rows.length }, 'demo catalog loaded');
  return rows.length;
}
