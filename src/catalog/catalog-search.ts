import { distance } from 'fastest-levenshtein';
import { query, sql, type Tx } from '../db/database.ts';
import { FIELDS } from './fields.ts';
import { COLUMNS, toProduct, type Product, type RawProduct } from './catalog-repo.ts';

/**
 * Searching the catalog: filters, full-text ranking over the store's languages, and typo
 * correction against the catalog's own words. The rows themselves are catalog-repo.ts's.
 */

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

/** The filters as search-vector tokens (vitrina_filter_token in migration 0008): AND-ed into a full-text query. */
function filterTokens(f: SearchFilters) {
  const parts = FIELDS.filter((field) => f[field]?.length).map(
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
  for (const field of FIELDS) {
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
