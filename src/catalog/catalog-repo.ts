import { distance } from 'fastest-levenshtein';
import type { SQL } from 'drizzle-orm';
import { iso, query, sql, type Tx } from '../db/database.ts';
import type { ProductRow } from './product.ts';

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

export interface RawProduct {
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
  parent_id: string | null;
}

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

export interface SearchFilters {
  /** Catalog values; a product matches any of a field's values (compared in lowercase). */
  category?: string[] | null;
  brand?: string[] | null;
  color?: string[] | null;
  style?: string[] | null;
  material?: string[] | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  inStock?: boolean;
  excludeIds?: string[];
  /** Only these products (semantic search's nearest, filtered like the rest). */
  ids?: string[] | null;
  /** A numeric attribute above or below a value ("bigger" than the products shown), ordered by it. */
  attribute?: { key: string; above?: number; below?: number } | null;
}

export interface SearchResult {
  products: Product[];
  /** The query with unknown words replaced by their nearest catalog word, when that was needed. */
  didYouMean: string | null;
  /** 'all' words matched, 'any' word matched, or only the filters were used. */
  match: 'all' | 'any' | 'filters' | 'none';
}

export const MAX_RESULTS = 10;
/** The most rows one search reads: a page of families is read from up to this many variants. */
export const MAX_FETCH = 40;

// `|| ''` keeps the planner off the b-tree where the search vector already holds the filter
const lowerIn = (col: string, values: string[], indexed: boolean) =>
  sql`lower(${sql.raw(col)})${sql.raw(indexed ? '' : " || ''")} in (${sql.join(
    values.map((v) => sql`${v.toLowerCase()}`),
    sql`, `,
  )})`;
const FILTER_FIELDS = ['category', 'brand', 'color', 'style', 'material'] as const;

/** The filters as search-vector tokens (vitrina_filter_token in migration 0008): AND-ed into a full-text query. */
function filterTokens(f: SearchFilters) {
  const parts = FILTER_FIELDS.filter((field) => f[field]?.length).map(
    (field) =>
      sql`(${sql.join(
        f[field]!.map((v) => sql`to_tsquery('simple', vitrina_filter_token(${field}, ${v}))`),
        sql` || `,
      )})`,
  );
  return parts.length ? sql.join(parts, sql` && `) : null;
}
const NUMERIC = '^[0-9]+([.,][0-9]+)?$';
const attrNumber = (key: string) => sql`(case when p.attributes->>${key} ~ ${NUMERIC} then replace(p.attributes->>${key}, ',', '.')::numeric end)`;

function filterSql(f: SearchFilters, indexed = true) {
  const parts = [sql`p.active`];
  for (const field of FILTER_FIELDS) {
    const values = f[field];
    if (values?.length) parts.push(lowerIn(`p.${field}`, values, indexed));
  }
  if (f.minPrice != null) parts.push(sql`p.price >= ${Math.round(f.minPrice)}`);
  if (f.maxPrice != null) parts.push(sql`p.price <= ${Math.round(f.maxPrice)}`);
  if (f.inStock) parts.push(sql`p.stock > 0`);
  if (f.excludeIds?.length) parts.push(sql`p.id not in (select jsonb_array_elements_text(${JSON.stringify(f.excludeIds)}::jsonb))`);
  if (f.ids) parts.push(sql`p.id in (select jsonb_array_elements_text(${JSON.stringify(f.ids)}::jsonb))`);
  if (f.attribute?.above != null) parts.push(sql`${attrNumber(f.attribute.key)} > ${f.attribute.above}`);
  if (f.attribute?.below != null) parts.push(sql`${attrNumber(f.attribute.key)} < ${f.attribute.below}`);
  return sql.join(parts, sql` and `);
}

/**
 * How many matches are ranked. A query as broad as "диван" matches a large share of a big
 * catalog; ranking every match is what makes search slow, so relevance is computed over the
 * first RANK_CANDIDATES matches the index yields. Narrow queries are ranked exactly.
 */
export const RANK_CANDIDATES = 200;

/** The store's text-search configurations (set from its languages at start-up). */
export interface SearchOptions {
  configs: string[];
  limit?: number;
}

/** A word and its alternatives as one tsquery, in every configuration: (w₁ | w₂ …). */
function wordQuery(alts: string[], configs: string[]) {
  return sql`(${sql.join(
    alts.flatMap((a) => configs.map((c) => sql`plainto_tsquery(${c}::regconfig, ${a})`)),
    sql` || `,
  )})`;
}

/** A word with letters and digits ("r50", "s24", "xm5") names a model: an exact one ranks first. */
const isModel = (w: string) => /\p{L}/u.test(w) && /\d/.test(w) && w.length >= 2;

async function ftsSearch(db: Tx, ws: string[][], mode: 'and' | 'or', f: SearchFilters, o: Required<SearchOptions>): Promise<Product[]> {
  const q = sql.join(
    ws.map((alts) => wordQuery(alts, o.configs)),
    sql.raw(mode === 'and' ? ' && ' : ' || '),
  );
  const models = ws.map((a) => a[0]!).filter(isModel);
  const modelRank = models.length
    ? sql.join(
        models.map((m) => sql`(case when p.name ~* ${`(^|[^[:alnum:]])${m}([^[:alnum:]]|$)`} then 1 else 0 end)`),
        sql` + `,
      )
    : sql`0`;
  const order = f.attribute ? sql`${attrNumber(f.attribute.key)} ${sql.raw(f.attribute.below != null ? 'desc' : 'asc')},` : sql``;
  const tokens = filterTokens(f);
  const rows = await query<RawProduct>(
    db,
    sql`with qq as materialized (select ${q} as q, ${tokens ? sql`(${q}) && ${tokens}` : q} as scan),
    candidates as materialized (
      select p.id, ts_rank(p.search, qq.q) + 10 * (${modelRank}) as rank, p.stock, p.price from products p, qq
      where p.search @@ qq.scan and ${filterSql(f, false)}
      limit ${RANK_CANDIDATES}
    )
    select ${COLUMNS} from candidates c join products p using (id)
    order by ${order} c.rank desc, (c.stock > 0) desc, c.price asc, c.id
    limit ${o.limit}`,
  );
  return rows.map(toProduct);
}

/**
 * Full-text search with filters, relevance order, always bounded. `words` are the shopper's
 * search words, each with its alternatives (a unit in every language). All words must match;
 * failing that, words the catalog does not know but nearly does are corrected through the
 * trigram vocabulary ("did you mean"); failing that, any word may match. No words: filters alone.
 */
export async function searchProducts(db: Tx, words: string[][], f: SearchFilters = {}, opts: SearchOptions = { configs: ['simple'] }): Promise<SearchResult> {
  const o = { configs: opts.configs.length ? opts.configs : ['simple'], limit: Math.max(1, Math.min(opts.limit ?? MAX_RESULTS, MAX_FETCH)) };
  const n = o.limit;
  const ws = words.filter((a) => a.length).slice(0, 12);
  if (ws.length === 0) {
    // Filters alone: in stock first, then cheapest, along the (lower(category), price, id)
    // index, stopping after n rows; out-of-stock rows only when too few are in stock. One
    // statement: the second branch of the append runs only when the first ran short.
    const order = f.attribute
      ? sql`${attrNumber(f.attribute.key)} ${sql.raw(f.attribute.below != null ? 'desc' : 'asc')}, p.price asc, p.id`
      : sql`p.price asc, p.id`;
    const byPrice = (stock: ReturnType<typeof sql>) => sql`(select ${COLUMNS} from products p where ${filterSql(f)} and ${stock} order by ${order} limit ${n})`;
    const rows = await query<RawProduct>(
      db,
      f.inStock ? byPrice(sql`p.stock > 0`) : sql`${byPrice(sql`p.stock > 0`)} union all ${byPrice(sql`p.stock <= 0`)} limit ${n}`,
    );
    return { products: rows.map(toProduct), didYouMean: null, match: rows.length ? 'filters' : 'none' };
  }
  const all = await ftsSearch(db, ws, 'and', f, o);
  if (all.length) return { products: all, didYouMean: null, match: 'all' };

  const corrected = await correctWords(db, ws, o.configs);
  const changed = corrected.some((a, i) => a !== ws[i]);
  const said = (list: string[][]) => list.map((a) => a[0]).join(' ');
  if (changed) {
    const fixed = await ftsSearch(db, corrected, 'and', f, o);
    if (fixed.length) return { products: fixed, didYouMean: said(corrected), match: 'all' };
  }
  if (ws.length === 1) return { products: [], didYouMean: null, match: 'none' };
  const any = await ftsSearch(db, corrected, 'or', f, o);
  return { products: any, didYouMean: changed && any.length ? said(corrected) : null, match: any.length ? 'any' : 'none' };
}

/** How close an unknown word must be to a catalog word to be read as it (pg_trgm similarity). */
export const CORRECTION_SIMILARITY = 0.35;

/**
 * Replaces each word the catalog does not know with its nearest catalog word, only when that
 * word is close (a typo: «дивн» → «диван», one edit away; two for longer words); short words,
 * numbers and model names are kept, and "kayaks" never becomes "kayano".
 */
async function correctWords(db: Tx, ws: string[][], configs: string[]): Promise<string[][]> {
  const candidates = ws.map((a) => a[0]!).filter((w) => w.length >= 4 && !/\d/.test(w));
  if (!candidates.length) return ws;
  // one word that found nothing is unknown to the catalog: no need to ask the index again
  const known =
    ws.length === 1
      ? sql`false`
      : sql`exists (select 1 from products p where p.active and p.search @@ (${sql.join(
          configs.map((c) => sql`plainto_tsquery(${c}::regconfig, w)`),
          sql` || `,
        )}))`;
  const rows = await query<{ w: string; term: string | null }>(
    db,
    sql`select w, (select t.term from catalog_terms t where t.term % w and similarity(t.term, w) >= ${CORRECTION_SIMILARITY}
        order by similarity(t.term, w) desc, t.term limit 1) as term
    from jsonb_array_elements_text(${JSON.stringify(candidates)}::jsonb) w
    where not ${known}`,
  );
  // a typo is an edit or two away and keeps its first letter (people rarely mistype the first
  // one); a different word that merely shares letters is not ("fridge" is not "ridge")
  const close = (w: string, term: string) => w[0] === term[0] && distance(w, term) <= (w.length <= 6 ? 1 : 2);
  const fix = new Map(rows.filter((r) => r.term && close(r.w, r.term)).map((r) => [r.w, r.term!]));
  return ws.map((a) => (fix.has(a[0]!) ? [fix.get(a[0]!)!] : a));
}
