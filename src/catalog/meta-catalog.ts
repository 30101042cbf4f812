import { ConfigError } from '../errors.ts';
import { iso, query, sql, type Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import { catalogSetting, setCatalogSetting } from './catalog-repo.ts';
import { plainAmount } from './money.ts';

const BATCH = 1000;
const SYNCED_KEY = 'meta_catalog_synced_at';

interface Row {
  id: string;
  name: string;
  description: string;
  brand: string;
  price: string | number;
  currency: string;
  stock: number;
  image_url: string | null;
  url: string | null;
  active: boolean;
  updated_at: string | Date;
}

export interface MetaSyncResult {
  sent: number;
  refused: Array<{ retailerId: string; errors: string[] }>;
}

/** One catalog item as Meta's items_batch takes it: retailer id = our SKU, price "149990.00 KZT". */
export function catalogItem(p: Row, publicUrl: string | null): { method: 'UPDATE' | 'DELETE'; data: Record<string, unknown> } {
  if (!p.active) return { method: 'DELETE', data: { id: p.id } };
  const price = `${plainAmount(Number(p.price), p.currency)} ${p.currency}`;
  const link = p.url ?? (publicUrl ? `${publicUrl.replace(/\/+$/, '')}/` : null);
  return {
    method: 'UPDATE',
    data: {
      id: p.id,
      title: p.name.slice(0, 200),
      description: (p.description || p.name).slice(0, 9999),
      availability: p.stock > 0 ? 'in stock' : 'out of stock',
      inventory: Math.max(0, p.stock),
      condition: 'new',
      price,
      ...(p.brand ? { brand: p.brand.slice(0, 100) } : {}),
      ...(link ? { link } : {}),
      ...(p.image_url ? { image_link: p.image_url } : {}),
    },
  };
}

/**
 * Pushes the catalog to the Meta commerce catalog (WHATSAPP_CATALOG_ID): every product changed
 * since the last sync (all with `full`), gone ones deleted, in batches. What Meta refused is
 * returned (and logged) per SKU; the sync mark moves only when every batch was taken, so a
 * failed run is repeated whole by the next.
 */
export async function syncMetaCatalog(opts: {
  db: Db;
  client: WhatsAppClient;
  catalogId: string | undefined;
  publicUrl: string | null;
  log: Logger;
  now: Date;
  full?: boolean;
}): Promise<MetaSyncResult> {
  if (!opts.catalogId) throw new ConfigError('WHATSAPP_CATALOG_ID is not set: there is no Meta catalog to sync');
  const mark = await catalogSetting(opts.db, SYNCED_KEY);
  const since = opts.full || !mark ? null : mark;
  const result: MetaSyncResult = { sent: 0, refused: [] };
  let after = '';
  for (;;) {
    const rows = await query<Row>(
      opts.db,
      sql`select id, name, description, brand, price, currency, stock, image_url, url, active, updated_at from products
      where id > ${after} ${since ? sql`and updated_at > ${since}::timestamptz` : sql``} order by id limit ${BATCH}`,
    );
    if (!rows.length) break;
    const r = await opts.client.catalogItemsBatch(
      opts.catalogId,
      rows.map((p) => catalogItem(p, opts.publicUrl)),
    );
    result.sent += rows.length;
    result.refused.push(...r.refused);
    after = rows.at(-1)!.id;
    if (rows.length < BATCH) break;
  }
  await setCatalogSetting(opts.db, SYNCED_KEY, iso(opts.now));
  for (const x of result.refused.slice(0, 20)) opts.log.warn({ sku: x.retailerId, errors: x.errors }, 'Meta refused a catalog item');
  opts.log.info({ sent: result.sent, refused: result.refused.length }, 'Meta catalog synced');
  return result;
}
