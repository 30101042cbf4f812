import { existsSync, readFileSync } from 'node:fs';
import { query, sql, type Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { CatalogWrites } from './catalog-writes.ts';
import { sourceReading, type SourceReading } from './source-reading.ts';
import { loadLexicon } from './lexicon.ts';

/** A store folder's demo catalog (catalog.json next to its store.yaml), if it has one. */
export const storeCatalogFile = (storeDir: string) => `${storeDir}catalog.json`;

/**
 * Loads the store folder's catalog.json when the embedded default starts with no catalog at all
 * (DEMO_CATALOG `on` or a sample's name; `off` skips it). A store that imported its own, even
 * one whose products are all deactivated, is never touched — and when none of the demo's
 * products is in it, start-up says so: the folder's store.yaml (the demo's name, what it sells,
 * its greeting examples) would speak for a catalog it does not describe.
 */
export async function loadDemoCatalogIfEmpty(opts: { db: Db; writes: CatalogWrites; log: Logger; storeDir: string; enabled?: boolean }): Promise<number> {
  const file = storeCatalogFile(opts.storeDir);
  if (opts.enabled === false || !existsSync(file)) return 0;
  const [row] = await query<{ any: boolean }>(opts.db, sql`select exists (select 1 from products) as any`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as { products: Array<{ id?: unknown }> };
  if (row!.any) {
    const ids = JSON.stringify(data.products.map((p) => String(p.id)));
    const [seen] = await query<{ n: number }>(
      opts.db,
      sql`select count(*)::int as n from products where id in (select jsonb_array_elements_text(${ids}::jsonb))`,
    );
    if (Number(seen!.n) === 0)
      opts.log.warn(
        { file, storeDir: opts.storeDir },
        `the data folder holds another store's catalog: ${file} was not loaded, and ${opts.storeDir}store.yaml describes the demo, not it — set DEMO_CATALOG=off (what the store sells and its greeting then come from its catalog) or point STORE_DIR at the store's own folder, or start on a fresh DATA_DIR for the demo`,
      );
    return 0;
  }
  const r = await opts.writes.rows('demo', data.products);
  if (!r.ok || r.errors.length) throw new Error(`${file}: ${r.errors.map((e) => `product ${e.index + 1}: ${e.error}`).join('; ')}`);
  opts.log.info({ products: r.result.inserted, file }, 'demo catalog loaded');
  return r.result.inserted;
}

/** How a catalog file is read outside a store (the demo's files, the eval, benches): the shipped lexicon, no store.yaml choices. */
export function fileReading(currency: string): SourceReading {
  return sourceReading(loadLexicon(), { priceType: null, fields: {}, orderStatuses: {} }, currency);
}
