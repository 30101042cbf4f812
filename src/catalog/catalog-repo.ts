import type { SQL } from 'drizzle-orm';
import { iso, query, sql, type Tx } from '../db/database.ts';
import type { ProductRow } from './product.ts';
import type { products } from '../db/schema.ts';
import type { SqlRow } from '../db/sql-row.ts';

/**
 * A catalog product as the service uses it: the one shape (declared in product.ts), prices in
 * minor units; a variant (1C's `товар#характеристика`) names its product, and where the chat
 * shows it, carries its family (src/catalog/variants.ts).
 */
export type Product = ProductRow & { family?: Family };

/** A product sold in variants (sizes, colours), as src/catalog/variants.ts reads it. */
export interface Family {
  id: string;
  /** The product's own name, without what tells its variants apart. */
  name: string;
  /** Its variants on sale: in stock first, then cheapest. */
  variants: Product[];
  /** What tells them apart, each with its values in the variants' order: colour ('color') and attributes that differ. */
  axes: Array<{ key: string; values: string[] }>;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  priceChanges: number;
}

/** A product as raw SQL selects it (`COLUMNS`). */
export type RawProduct = Pick<
  SqlRow<typeof products.$inferSelect>,
  | 'id'
  | 'name'
  | 'description'
  | 'category'
  | 'brand'
  | 'color'
  | 'style'
  | 'material'
  | 'price'
  | 'old_price'
  | 'currency'
  | 'stock'
  | 'image_url'
  | 'url'
  | 'tags'
  | 'attributes'
  | 'parent_id'
>;

export const COLUMNS = sql.raw(
  'p.id, p.name, p.description, p.category, p.brand, p.color, p.style, p.material, p.price, p.old_price, p.currency, p.stock, p.image_url, p.url, p.tags, p.attributes, p.parent_id',
);

export function toProduct(r: RawProduct): Product {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    category: r.category,
    brand: r.brand,
    color: r.color,
    style: r.style,
    material: r.material,
    price: Number(r.price),
    oldPrice: r.old_price === null ? null : Number(r.old_price),
    currency: r.currency,
    stock: Number(r.stock),
    imageUrl: r.image_url,
    url: r.url,
    tags: typeof r.tags === 'string' ? parsePgArray(r.tags) : r.tags,
    attributes: typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes,
    parentId: r.parent_id,
  };
}

// postgres.js through drizzle's raw execute hands text[] back as its literal.
function parsePgArray(s: string): string[] {
  if (s === '{}') return [];
  return s
    .slice(1, -1)
    .match(/"((?:[^"\\]|\\.)*)"|[^,]+/g)!
    .map((x) => (x.startsWith('"') ? x.slice(1, -1).replace(/\\(.)/g, '$1') : x));
}

/**
 * Upserts a batch in one statement: new rows inserted, changed rows updated (a row equal to the stored one is
 * neither), every price change
 * written to price history, catalog words added to the "did you mean" vocabulary. Call inside
 * a transaction to make the batch all-or-nothing.
 */
export async function upsertProducts(db: Tx, rows: ProductRow[], now: Date): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: 0, updated: 0, priceChanges: 0 };
  // the last row of a duplicated id wins, as a file read top to bottom would
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  const batch = JSON.stringify(
    unique.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      category: r.category,
      brand: r.brand,
      color: r.color,
      style: r.style,
      material: r.material,
      price: r.price,
      old_price: r.oldPrice,
      currency: r.currency,
      stock: r.stock,
      image_url: r.imageUrl,
      url: r.url,
      tags: r.tags,
      attributes: r.attributes,
      parent_id: r.parentId ?? null,
    })),
  );
  const [res] = await query<{ inserted: number; updated: number; changes: number }>(
    db,
    sql`with src as (
      select * from jsonb_to_recordset(${batch}::jsonb) as x(id text, name text, description text, category text, brand text,
        color text, style text, material text, price bigint, old_price bigint, currency text, stock int, image_url text, url text,
        tags jsonb, attributes jsonb, parent_id text)
    ), before as (
      select p.id, p.price, p.old_price from products p join src using (id)
    ), up as (
      insert into products as p (id, name, description, category, brand, color, style, material, price, old_price, currency, stock,
        image_url, url, tags, attributes, parent_id, created_at, updated_at)
      select id, name, description, category, brand, color, style, material, price, old_price, currency, stock, image_url, url,
        coalesce((select array_agg(t) from jsonb_array_elements_text(src.tags) t), '{}'), coalesce(attributes, '{}'::jsonb), parent_id,
        ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from src
      on conflict (id) do update set name = excluded.name, description = excluded.description, category = excluded.category,
        brand = excluded.brand, color = excluded.color, style = excluded.style, material = excluded.material, price = excluded.price,
        old_price = excluded.old_price, currency = excluded.currency, stock = excluded.stock, image_url = excluded.image_url,
        url = excluded.url, tags = excluded.tags, attributes = excluded.attributes, parent_id = excluded.parent_id, updated_at = excluded.updated_at, active = true
      -- a row that says what the store already has is no update: not counted, updated_at kept
      where not p.active or (p.name, p.description, p.category, p.brand, p.color, p.style, p.material, p.price, p.old_price, p.currency,
        p.stock, p.image_url, p.url, p.tags, p.attributes, p.parent_id) is distinct from (excluded.name, excluded.description, excluded.category,
        excluded.brand, excluded.color, excluded.style, excluded.material, excluded.price, excluded.old_price, excluded.currency,
        excluded.stock, excluded.image_url, excluded.url, excluded.tags, excluded.attributes, excluded.parent_id)
      returning p.id, p.price, p.old_price
    ), hist as (
      insert into price_history (product_id, price, old_price, at)
      select up.id, up.price, up.old_price, ${iso(now)}::timestamptz from up left join before b using (id)
      where b.id is null or b.price is distinct from up.price
      returning product_id
    ), words as (${catalogWords(sql`select * from src`)})
    select (select count(*) from up left join before b using (id) where b.id is null)::int as inserted,
      (select count(*) from up join before using (id))::int as updated,
      (select count(*) from hist h join before b on b.id = h.product_id)::int as changes`,
  );
  return { inserted: Number(res!.inserted), updated: Number(res!.updated), priceChanges: Number(res!.changes) };
}

/**
 * Adds the words of products written (a relation with name, category, color, style, brand and
 * material) to the "did you mean" vocabulary: an INSERT for a data-modifying CTE.
 */
export const catalogWords = (rows: SQL) =>
  sql`insert into catalog_terms (term)
    select distinct w from (${rows}) s, regexp_split_to_table(lower(s.name || ' ' || s.category || ' ' || s.color || ' ' || s.style || ' ' || s.brand || ' ' || s.material), '[^[:alnum:]]+') w
    where length(w) >= 3 and w !~ '^[0-9]+$'
    on conflict do nothing`;

/** Products by id, in the order asked; `activeOnly` leaves out those gone from the store (kept for alerts, carts, orders). */
export async function getProducts(db: Tx, ids: string[], opts: { activeOnly?: boolean } = {}): Promise<Product[]> {
  if (ids.length === 0) return [];
  const rows = await query<RawProduct>(
    db,
    sql`select ${COLUMNS} from products p where p.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))${opts.activeOnly ? sql` and p.active` : sql``}`,
  );
  const byId = new Map(rows.map((r) => [r.id, toProduct(r)]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

/** The variants on sale of each product named, with its own name: in stock first, then cheapest. */
export async function getVariants(db: Tx, parentIds: string[]): Promise<Map<string, { name: string; variants: Product[] }>> {
  const out = new Map<string, { name: string; variants: Product[] }>();
  if (parentIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(parentIds)]);
  const rows = await query<RawProduct & { family_name: string | null }>(
    db,
    sql`select ${COLUMNS}, g.name as family_name from products p left join products g on g.id = p.parent_id
    where p.parent_id in (select jsonb_array_elements_text(${ids}::jsonb)) and p.active
    order by p.parent_id, (p.stock > 0) desc, p.price, p.id`,
  );
  for (const r of rows) {
    const f = out.get(r.parent_id!) ?? { name: r.family_name ?? '', variants: [] };
    f.variants.push(toProduct(r));
    out.set(r.parent_id!, f);
  }
  // a family no row stands for (a YML group_id): named by the words its variants' names share
  for (const f of out.values()) if (!f.name) f.name = sharedWords(f.variants.map((v) => v.name));
  return out;
}

/** The words all names begin with («Куртка Storm 2 S», «Куртка Storm 2 M» → «Куртка Storm 2»); the first name when they share none. */
function sharedWords(names: string[]): string {
  const words = names.map((n) => n.split(/\s+/));
  let n = 0;
  while (words.every((w) => w[n] !== undefined && w[n] === words[0]![n])) n++;
  return n
    ? words[0]!
        .slice(0, n)
        .join(' ')
        .replace(/[\s,(–-]+$/u, '')
    : names[0]!;
}

export async function countProducts(db: Tx): Promise<number> {
  const [r] = await query<{ n: number }>(db, sql`select count(*)::int as n from products where active`);
  return Number(r!.n);
}

/**
 * After a full catalog file (`import --replace`): products the file does not hold leave the
 * store. Those an active price alert, a cart or an order names are deactivated (hidden from
 * search, kept for their history; a cart's checkout says they are gone); the rest are deleted
 * with their price history and views.
 */
/** How many active products a replace keeping only `keep` would take away, of how many. */
export async function countRemoval(db: Tx, keep: string[]): Promise<{ gone: number; active: number }> {
  const [r] = await query<{ gone: number; active: number }>(
    db,
    sql`select count(*) filter (where p.id not in (select jsonb_array_elements_text(${JSON.stringify(keep)}::jsonb)))::int as gone, count(*)::int as active from products p where p.active`,
  );
  return { gone: Number(r!.gone), active: Number(r!.active) };
}

export async function removeProductsExcept(db: Tx, keep: string[], now: Date): Promise<{ deleted: number; deactivated: number }> {
  const [r] = await query<{ deleted: number; deactivated: number }>(
    db,
    sql`with keep as (select jsonb_array_elements_text(${JSON.stringify(keep)}::jsonb) as id),
    gone as (select p.id, (exists (select 1 from price_alerts a where a.product_id = p.id and a.status = 'active')
        or exists (select 1 from cart_lines c where c.product_id = p.id)
        or exists (select 1 from order_lines o where o.product_id = p.id)) as held
      from products p where p.id not in (select id from keep)),
    off as (update products p set active = false, updated_at = ${iso(now)}::timestamptz from gone g where g.id = p.id and g.held and p.active returning p.id),
    hist as (delete from price_history h using gone g where g.id = h.product_id and not g.held),
    views as (delete from product_views v using gone g where g.id = v.product_id and not g.held),
    del as (delete from products p using gone g where g.id = p.id and not g.held returning p.id)
    select (select count(*) from del)::int as deleted, (select count(*) from off)::int as deactivated`,
  );
  return { deleted: Number(r!.deleted), deactivated: Number(r!.deactivated) };
}

/**
 * Merges the search index's pending list into the index. GIN buffers new entries in a list
 * every search scans linearly until (auto)vacuum merges it: after a 100,000-product import
 * that list made each search 5–10 ms slower. Called at the end of every import.
 */
export async function flushSearchIndex(db: Tx): Promise<void> {
  await db.execute(sql`select gin_clean_pending_list('products_search_idx'::regclass)`);
}

/** The text-search configuration of each language a store offers (Kazakh has none: simple and trigrams serve it). */
export function searchConfigs(languages: string[]): string[] {
  const byLang: Record<string, string> = { ru: 'russian', en: 'english' };
  return [...new Set([...languages.map((l) => byLang[l]).filter((c): c is string => !!c), 'simple'])];
}

/** A catalog-wide setting (`catalog_settings`), or null. */
export async function catalogSetting(db: Tx, key: string): Promise<string | null> {
  const [r] = await query<{ value: string }>(db, sql`select value from catalog_settings where key = ${key}`);
  return r?.value ?? null;
}

/** Sets a catalog-wide setting; null removes it. */
export async function setCatalogSetting(db: Tx, key: string, value: string | null): Promise<void> {
  await db.execute(
    value === null
      ? sql`delete from catalog_settings where key = ${key}`
      : sql`insert into catalog_settings (key, value) values (${key}, ${value}) on conflict (key) do update set value = excluded.value`,
  );
}

/** Makes the search trigger use `configs`; when they change, every product's vector is rebuilt. */
export async function useSearchConfigs(db: Tx, configs: string[]): Promise<boolean> {
  const value = configs.join(',');
  if ((await catalogSetting(db, 'search_configs')) === value) return false;
  await setCatalogSetting(db, 'search_configs', value);
  await db.execute(sql`update products set search = vitrina_search_vector(products)`);
  await flushSearchIndex(db);
  return true;
}
