import { iso, query, sql, type Tx } from '../db/database.ts';
import type { ProductRow } from './product.ts';

/** A catalog product as the service uses it: the one shape (declared in product.ts), prices in minor units. */
export type Product = ProductRow;

export interface UpsertResult {
  inserted: number;
  updated: number;
  priceChanges: number;
}

interface RawProduct {
  id: string;
  name: string;
  description: string;
  category: string;
  brand: string;
  color: string;
  style: string;
  material: string;
  price: number | string;
  old_price: number | string | null;
  currency: string;
  stock: number;
  image_url: string | null;
  url: string | null;
  tags: string[] | string;
  attributes: Record<string, unknown> | string;
}

const COLUMNS = sql.raw('p.id, p.name, p.description, p.category, p.brand, p.color, p.style, p.material, p.price, p.old_price, p.currency, p.stock, p.image_url, p.url, p.tags, p.attributes');

function toProduct(r: RawProduct): Product {
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
 * Upserts a batch in one statement: new rows inserted, changed rows updated, every price change
 * written to price history, catalog words added to the "did you mean" vocabulary. Call inside
 * a transaction to make the batch all-or-nothing.
 */
export async function upsertProducts(db: Tx, rows: ProductRow[], now: Date): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: 0, updated: 0, priceChanges: 0 };
  // the last row of a duplicated id wins, as a file read top to bottom would
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  const batch = JSON.stringify(
    unique.map((r) => ({
      id: r.id, name: r.name, description: r.description, category: r.category, brand: r.brand, color: r.color, style: r.style,
      material: r.material, price: r.price, old_price: r.oldPrice, currency: r.currency, stock: r.stock, image_url: r.imageUrl,
      url: r.url, tags: r.tags, attributes: r.attributes,
    })),
  );
  const [res] = await query<{ inserted: number; updated: number; changes: number }>(
    db,
    sql`with src as (
      select * from jsonb_to_recordset(${batch}::jsonb) as x(id text, name text, description text, category text, brand text,
        color text, style text, material text, price bigint, old_price bigint, currency text, stock int, image_url text, url text,
        tags jsonb, attributes jsonb)
    ), before as (
      select p.id, p.price, p.old_price from products p join src using (id)
    ), up as (
      insert into products as p (id, name, description, category, brand, color, style, material, price, old_price, currency, stock,
        image_url, url, tags, attributes, created_at, updated_at)
      select id, name, description, category, brand, color, style, material, price, old_price, currency, stock, image_url, url,
        coalesce((select array_agg(t) from jsonb_array_elements_text(src.tags) t), '{}'), coalesce(attributes, '{}'::jsonb),
        ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from src
      on conflict (id) do update set name = excluded.name, description = excluded.description, category = excluded.category,
        brand = excluded.brand, color = excluded.color, style = excluded.style, material = excluded.material, price = excluded.price,
        old_price = excluded.old_price, currency = excluded.currency, stock = excluded.stock, image_url = excluded.image_url,
        url = excluded.url, tags = excluded.tags, attributes = excluded.attributes, updated_at = excluded.updated_at
      returning p.id, p.price, p.old_price
    ), hist as (
      insert into price_history (product_id, price, old_price, at)
      select up.id, up.price, up.old_price, ${iso(now)}::timestamptz from up left join before b using (id)
      where b.id is null or b.price is distinct from up.price
      returning product_id
    ), words as (
      insert into catalog_terms (term)
      select distinct w from src, regexp_split_to_table(lower(src.name || ' ' || src.category || ' ' || src.color || ' ' || src.style || ' ' || src.brand || ' ' || src.material), '[^[:alnum:]]+') w
      where length(w) >= 3 and w !~ '^[0-9]+$'
      on conflict do nothing
    )
    select (select count(*) from up)::int - (select count(*) from before)::int as inserted,
      (select count(*) from before)::int as updated,
      (select count(*) from hist h join before b on b.id = h.product_id)::int as changes`,
  );
  return { inserted: Number(res!.inserted), updated: Number(res!.updated), priceChanges: Number(res!.changes) };
}

export async function getProducts(db: Tx, ids: string[]): Promise<Product[]> {
  if (ids.length === 0) return [];
  const rows = await query<RawProduct>(db, sql`select ${COLUMNS} from products p where p.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
  const byId = new Map(rows.map((r) => [r.id, toProduct(r)]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

export async function countProducts(db: Tx): Promise<number> {
  const [r] = await query<{ n: number }>(db, sql`select count(*)::int as n from products`);
  return Number(r!.n);
}

export interface SearchFilters {
  category?: string | null;
  color?: string | null;
  style?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  inStock?: boolean;
  excludeIds?: string[];
}

export interface SearchResult {
  products: Product[];
  /** The query with unknown words replaced by their nearest catalog word, when that was needed. */
  didYouMean: string | null;
  /** 'all' words matched, 'any' word matched, or only the filters were used. */
  match: 'all' | 'any' | 'filters' | 'none';
}

export const MAX_RESULTS = 10;

const words = (q: string) => (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 2).slice(0, 12);

function filterSql(f: SearchFilters) {
  const parts = [sql`true`];
  if (f.category) parts.push(sql`lower(p.category) = lower(${f.category})`);
  if (f.color) parts.push(sql`lower(p.color) = lower(${f.color})`);
  if (f.style) parts.push(sql`lower(p.style) = lower(${f.style})`);
  if (f.minPrice != null) parts.push(sql`p.price >= ${Math.round(f.minPrice)}`);
  if (f.maxPrice != null) parts.push(sql`p.price <= ${Math.round(f.maxPrice)}`);
  if (f.inStock) parts.push(sql`p.stock > 0`);
  if (f.excludeIds?.length) parts.push(sql`p.id not in (select jsonb_array_elements_text(${JSON.stringify(f.excludeIds)}::jsonb))`);
  return sql.join(parts, sql` and `);
}

/**
 * How many matches are ranked. A query as broad as "диван" matches a large share of a big
 * catalog; ranking every match is what makes search slow, so relevance is computed over the
 * first RANK_CANDIDATES matches the index yields. Narrow queries are ranked exactly.
 */
export const RANK_CANDIDATES = 200;

async function ftsSearch(db: Tx, tsq: string, mode: 'and' | 'or', f: SearchFilters, limit: number): Promise<Product[]> {
  const op = mode === 'and' ? ' & ' : ' | ';
  const q = tsq.split(' ').join(op);
  const rows = await query<RawProduct>(
    db,
    sql`with qq as materialized (select to_tsquery('russian', ${q}) || to_tsquery('simple', ${q}) as q),
    candidates as materialized (
      select p.id, ts_rank(p.search, qq.q) as rank, p.stock, p.price from products p, qq
      where p.search @@ qq.q and ${filterSql(f)}
      limit ${RANK_CANDIDATES}
    )
    select ${COLUMNS} from candidates c join products p using (id)
    order by c.rank desc, (c.stock > 0) desc, c.price asc, c.id
    limit ${limit}`,
  );
  return rows.map(toProduct);
}

/**
 * Full-text search with filters, relevance order, always bounded. All words must match;
 * failing that, unknown words are corrected through the trigram vocabulary ("did you mean");
 * failing that, any word may match. An empty query searches by filters alone.
 */
export async function searchProducts(db: Tx, text: string, f: SearchFilters = {}, limit = MAX_RESULTS): Promise<SearchResult> {
  const n = Math.max(1, Math.min(limit, MAX_RESULTS));
  const ws = words(text);
  if (ws.length === 0) {
    // Filters alone: in stock first, then cheapest, along the (lower(category), price, id)
    // index, stopping after n rows; out-of-stock rows only when too few are in stock. One
    // statement: the second branch of the append runs only when the first ran short.
    const byPrice = (stock: ReturnType<typeof sql>) => sql`(select ${COLUMNS} from products p where ${filterSql(f)} and ${stock} order by p.price asc, p.id limit ${n})`;
    const rows = await query<RawProduct>(db, f.inStock ? byPrice(sql`p.stock > 0`) : sql`${byPrice(sql`p.stock > 0`)} union all ${byPrice(sql`p.stock <= 0`)} limit ${n}`);
    return { products: rows.map(toProduct), didYouMean: null, match: rows.length ? 'filters' : 'none' };
  }
  const all = await ftsSearch(db, ws.join(' '), 'and', f, n);
  if (all.length) return { products: all, didYouMean: null, match: 'all' };

  const corrected = await correctWords(db, ws);
  if (corrected.join(' ') !== ws.join(' ')) {
    const fixed = await ftsSearch(db, corrected.join(' '), 'and', f, n);
    if (fixed.length) return { products: fixed, didYouMean: corrected.join(' '), match: 'all' };
  }
  const any = await ftsSearch(db, corrected.join(' '), 'or', f, n);
  return { products: any, didYouMean: corrected.join(' ') !== ws.join(' ') ? corrected.join(' ') : null, match: any.length ? 'any' : 'none' };
}

/** Replaces each word the catalog does not know with its nearest catalog word (trigram similarity). */
async function correctWords(db: Tx, ws: string[]): Promise<string[]> {
  const rows = await query<{ w: string; term: string | null }>(
    db,
    sql`select w, (select t.term from catalog_terms t where t.term % w order by similarity(t.term, w) desc, t.term limit 1) as term
    from jsonb_array_elements_text(${JSON.stringify(ws)}::jsonb) w
    where not exists (select 1 from products p where p.search @@ (plainto_tsquery('russian', w) || plainto_tsquery('simple', w)))`,
  );
  const fix = new Map(rows.filter((r) => r.term).map((r) => [r.w, r.term!]));
  return ws.map((w) => fix.get(w) ?? w);
}
