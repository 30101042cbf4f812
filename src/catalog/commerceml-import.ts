import { iso, query, sql, type Db, type Tx } from '../db/database.ts';
import { catalogSetting, catalogWords, flushSearchIndex, setCatalogSetting } from './catalog-repo.ts';
import type { ProductRow } from './product.ts';
import { CommerceMLError, readCommerceML, type CmlEvent } from './commerceml.ts';
import { toMinor } from './money.ts';
import { bareName, categoryPath, readNumber, splitValues, type SourceReading } from './source-reading.ts';
import type { Field } from './fields.ts';

type Good = Extract<CmlEvent, { kind: 'good' }>;
type Offer = Extract<CmlEvent, { kind: 'offer' }>;
type PriceType = { id: string; name: string; currency: string };

export type CmlImportCounts = {
  /** Goods (import.xml) and offers (offers, prices, rests files) read. */
  goods: number;
  offers: number;
  inserted: number;
  updated: number;
  priceChanges: number;
  stockChanges: number;
  /** Goods or offers 1C marks deleted: hidden, never removed. */
  hidden: number;
  /** Offers for goods the store has never been sent: left out. */
  unknown: number;
  groups: number;
  properties: number;
};

export type CmlImportResult = { ok: true; counts: CmlImportCounts; fullCatalog: boolean } | { ok: false; error: string };

const BATCH = 1000;
const PRICE_TYPES_KEY = '1c_price_types';
const WAREHOUSES_KEY = '1c_warehouses';

/**
 * Imports one CommerceML file into the catalog. The file is read twice, both times as a stream:
 * first only to check it is whole and well-formed (and that the retail price type is there), so
 * a malformed or truncated file changes nothing; then applied in all-or-nothing batches.
 *
 * - import.xml: groups keep their tree (a product's category is its group, the groups above it
 *   are its tags), properties become colour, brand, material and style when the lexicon or
 *   store.yaml names them so, other properties free attributes; a new good waits hidden for
 *   its price; a good 1C marks deleted is hidden.
 * - offers, prices and rests: price of the chosen price type, currency, stock per warehouse and
 *   in total; only what the file says changes. `товар#характеристика` becomes a product of its
 *   own that names its parent. Every price change lands in price history (price alerts).
 */
export async function importCommerceML(
  db: Db,
  open: () => AsyncIterable<Buffer>,
  opts: { reading: SourceReading; publicUrl: string | null; now: Date; onProgress?: (read: { goods: number; offers: number }) => void },
): Promise<CmlImportResult> {
  const { reading, now, onProgress } = opts;
  // pass 1: whole and well-formed, and the retail price type known
  const types: PriceType[] = (await storedPriceTypes(db)).filter((t) => t.name);
  /** Price type id → the currency words its prices are written in. */
  const priceCurrencies = new Map<string, Set<string>>();
  let offersSeen = false;
  try {
    for await (const e of readCommerceML(open())) {
      if (e.kind === 'priceType') {
        const known = types.findIndex((t) => t.id === e.id);
        if (known >= 0) types[known] = e;
        else types.push(e);
      }
      if (e.kind === 'offer' && e.prices.length) {
        offersSeen = true;
        for (const p of e.prices) if (p.currency) priceCurrencies.set(p.typeId, (priceCurrencies.get(p.typeId) ?? new Set()).add(p.currency));
      }
    }
  } catch (err) {
    if (err instanceof CommerceMLError) return { ok: false, error: `the file is not whole CommerceML: ${err.message}` };
    throw err;
  }
  const retail = offersSeen ? reading.retailPriceType(types) : null;
  if (retail && !retail.ok) return retail;
  if (retail) {
    const unknown = [retail.type.currency, ...(priceCurrencies.get(retail.type.id) ?? [])].filter((w) => w && !reading.currency(w));
    if (unknown.length)
      return {
        ok: false,
        error: `the currency «${unknown[0]}» of price type «${retail.type.name}» is not one Vitrina knows: write it as an ISO 4217 code (RUB, KZT, UAH…) in 1C, or add the word to templates/lexicon.yaml currencies`,
      };
  }

  // pass 2: apply
  const counts: CmlImportCounts = {
    goods: 0,
    offers: 0,
    inserted: 0,
    updated: 0,
    priceChanges: 0,
    stockChanges: 0,
    hidden: 0,
    unknown: 0,
    groups: 0,
    properties: 0,
  };
  let fullCatalog = false;
  let groups: Array<{ id: string; name: string; parentId: string | null }> = [];
  let properties: Array<{ id: string; name: string; values: Record<string, string> }> = [];
  let tree: Tree | null = null;
  let goods: Good[] = [];
  let offers: Offer[] = [];
  const warehouses = new Map<string, string>(Object.entries((await readSetting<Record<string, string>>(db, WAREHOUSES_KEY)) ?? {}));
  const newTypes: PriceType[] = [];

  const saveClassifier = async () => {
    if (!groups.length && !properties.length) return;
    // 1C-Bitrix writes each definition twice (the second time without a name): one row per Ид, the first name that is not empty
    const gs = mergeById(groups, (a, b) => ({ id: a.id, name: a.name || b.name, parentId: a.parentId ?? b.parentId }));
    const ps = mergeById(properties, (a, b) => ({ id: a.id, name: a.name || b.name, values: { ...b.values, ...a.values } }));
    await db.transaction(async (tx) => {
      if (gs.length)
        await tx.execute(sql`insert into catalog_groups (id, name, parent_id) select id, name, parent_id from jsonb_to_recordset(${JSON.stringify(gs.map((g) => ({ id: g.id, name: g.name, parent_id: g.parentId })))}::jsonb) as x(id text, name text, parent_id text)
          on conflict (id) do update set name = coalesce(nullif(excluded.name, ''), catalog_groups.name), parent_id = coalesce(excluded.parent_id, catalog_groups.parent_id)`);
      if (ps.length)
        await tx.execute(sql`insert into catalog_properties (id, name, values) select id, name, values from jsonb_to_recordset(${JSON.stringify(ps)}::jsonb) as x(id text, name text, values jsonb)
          on conflict (id) do update set name = coalesce(nullif(excluded.name, ''), catalog_properties.name), values = catalog_properties.values || excluded.values`);
    });
    counts.groups += gs.length;
    counts.properties += ps.length;
    groups = [];
    properties = [];
    tree = null;
  };
  const flushGoods = async () => {
    if (!goods.length) return;
    tree ??= await loadTree(db);
    const rows = goods.map((g) => goodRow(g, tree!, reading, opts.publicUrl));
    const r = await db.transaction((tx) => upsertGoods(tx, rows, reading.defaultCurrency, now));
    counts.inserted += r.inserted;
    counts.updated += r.updated;
    counts.hidden += rows.filter((g) => g.deleted).length;
    goods = [];
    onProgress?.({ goods: counts.goods, offers: counts.offers });
  };
  const flushOffers = async () => {
    if (!offers.length) return;
    tree ??= await loadTree(db);
    const rows = offers.map((o) => offerRow(o, retail?.ok ? retail.type : null, warehouses, tree!, reading));
    const r = await db.transaction((tx) => upsertOffers(tx, rows, now));
    counts.priceChanges += r.priceChanges;
    counts.stockChanges += r.stockChanges;
    counts.inserted += r.variants;
    counts.unknown += rows.length - r.found;
    counts.hidden += rows.filter((o) => o.deleted).length;
    offers = [];
    onProgress?.({ goods: counts.goods, offers: counts.offers });
  };

  for await (const e of readCommerceML(open())) {
    switch (e.kind) {
      case 'group':
        groups.push(e);
        break;
      case 'property':
        properties.push(e);
        break;
      case 'catalog':
        fullCatalog ||= !e.onlyChanges;
        break;
      case 'priceType':
        newTypes.push(e);
        break;
      case 'warehouse':
        warehouses.set(e.id, e.name);
        break;
      case 'good':
        await saveClassifier();
        counts.goods++;
        goods.push(e);
        if (goods.length >= BATCH) await flushGoods();
        break;
      case 'offer':
        await saveClassifier();
        counts.offers++;
        offers.push(e);
        if (offers.length >= BATCH) await flushOffers();
        break;
    }
  }
  await saveClassifier();
  await flushGoods();
  await flushOffers();
  if (counts.offers && counts.unknown === counts.offers)
    return {
      ok: false,
      error: `none of the file's ${counts.offers} offers is for a good the store has: send the catalog's import.xml before its offers.xml (or the pair from the same 1C catalog)`,
    };
  if (newTypes.length)
    await writeSetting(db, PRICE_TYPES_KEY, [...(await storedPriceTypes(db)).filter((t) => !newTypes.some((n) => n.id === t.id)), ...newTypes]);
  if (warehouses.size) await writeSetting(db, WAREHOUSES_KEY, Object.fromEntries(warehouses));
  if (counts.inserted || counts.updated) await flushSearchIndex(db);
  return { ok: true, counts, fullCatalog };
}

/** One item per id, in first-seen order; a repeated id is folded into the first with `merge(first, again)`. */
function mergeById<T extends { id: string }>(items: T[], merge: (first: T, again: T) => T): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const seen = byId.get(item.id);
    byId.set(item.id, seen ? merge(seen, item) : item);
  }
  return [...byId.values()];
}

interface Tree {
  groups: Map<string, { name: string; parentId: string | null }>;
  properties: Map<string, { name: string; values: Record<string, string> }>;
}

async function loadTree(db: Tx): Promise<Tree> {
  const gs = await query<{ id: string; name: string; parent_id: string | null }>(db, sql`select id, name, parent_id from catalog_groups`);
  const ps = await query<{ id: string; name: string; values: Record<string, string> | string }>(db, sql`select id, name, values from catalog_properties`);
  return {
    groups: new Map(gs.map((g) => [g.id, { name: g.name, parentId: g.parent_id }])),
    properties: new Map(ps.map((p) => [p.id, { name: p.name, values: typeof p.values === 'string' ? JSON.parse(p.values) : p.values }])),
  };
}

async function readSetting<T>(db: Tx, key: string): Promise<T | null> {
  const value = await catalogSetting(db, key);
  return value === null ? null : (JSON.parse(value) as T);
}

const writeSetting = (db: Tx, key: string, value: unknown) => setCatalogSetting(db, key, JSON.stringify(value));

const storedPriceTypes = async (db: Tx) => (await readSetting<PriceType[]>(db, PRICE_TYPES_KEY)) ?? [];

/** A good as its batch is written: the product's own fields, named as the SQL reads them. */
type GoodRow = Pick<ProductRow, 'id' | 'name' | 'description' | 'category' | 'brand' | 'color' | 'style' | 'material' | 'tags'> & {
  image_url: string | null;
  attributes: Record<string, string>;
  deleted: boolean;
};

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** Where 1C's pictures are served (`/catalog-files/import_files/…`); made absolute by the caller's PUBLIC_URL. */
export const pictureUrl = (publicUrl: string | null, path: string) =>
  `${publicUrl?.replace(/\/+$/, '') ?? ''}/catalog-files/${path.split('/').map(encodeURIComponent).join('/')}`;

function goodRow(g: Good, tree: Tree, reading: SourceReading, publicUrl: string | null): GoodRow {
  const { fields, attributes } = readProperties(
    g.properties.flatMap((p) => propertyValue(tree, p)),
    reading,
  );
  if (g.article) attributes.article = g.article;
  if (g.barcode) attributes.barcode = g.barcode;
  // the group's name is the category; the groups above it are tags, so "мебель" finds a sofa filed under it
  const path = categoryPath(g.groupIds[0], (id) => tree.groups.get(id));
  return {
    id: g.id,
    name: cut(g.name || g.article || g.id, 300),
    description: cut(g.description, 5000),
    category: cut(path[0] ?? fields.category ?? '', 100),
    brand: cut(fields.brand ?? g.manufacturer, 100),
    color: cut((fields.color ?? '').toLowerCase(), 60),
    style: cut((fields.style ?? '').toLowerCase(), 60),
    material: cut(fields.material ?? '', 100),
    image_url: g.pictures[0] ? pictureUrl(publicUrl, g.pictures[0]) : null,
    tags: path.slice(1).map((t) => cut(t, 60)),
    attributes,
    deleted: g.deleted,
  };
}

interface OfferRow {
  id: string;
  parent: string;
  name: string | null;
  price: number | null;
  currency: string | null;
  stock: number | null;
  places: Record<string, number> | null;
  chars: Record<string, string>;
  color: string | null;
  brand: string | null;
  material: string | null;
  style: string | null;
  deleted: boolean;
}

/** A good's or offer's property value by the classifier: its name and its dictionary value's text (or the value as written). */
function propertyValue(tree: Tree, p: { id: string; value: string }): Array<{ name: string; value: string }> {
  const prop = tree.properties.get(p.id);
  if (!prop) return [];
  return [
    {
      name: prop.name,
      value: p.value
        .split(';')
        .map((v) => prop.values[v] ?? v)
        .join(';'),
    },
  ];
}

/**
 * Property and characteristic values as the product keeps them: a filter field takes the
 * first of several values («красный;черный» is red first), and keeps them all as an attribute
 * so each is found; other properties are attributes under their name without 1C:УТ's suffix.
 */
function readProperties(pairs: Array<{ name: string; value: string }>, reading: SourceReading) {
  const fields: Partial<Record<Field, string>> = {};
  const attributes: Record<string, string> = {};
  for (const { name, value } of pairs) {
    const values = splitValues(value);
    if (!values.length) continue;
    const field = reading.field(name);
    if (field) fields[field] ??= values[0]!;
    if (!field || values.length > 1) attributes[bareName(name)] = cut(values.join('; '), 200);
  }
  return { fields, attributes };
}

function offerRow(o: Offer, retail: PriceType | null, warehouses: Map<string, string>, tree: Tree, reading: SourceReading): OfferRow {
  const p = retail ? o.prices.find((x) => x.typeId === retail.id) : undefined;
  const currency = (p && (reading.currency(p.currency) ?? reading.currency(retail!.currency))) ?? (p ? reading.defaultCurrency : null);
  const units = p ? readNumber(p.price) : null;
  const places = o.warehouses.length
    ? Object.fromEntries(o.warehouses.map((w) => [warehouses.get(w.id) ?? w.id, Math.max(0, Math.floor(readNumber(w.quantity) ?? 0))]))
    : null;
  const total = readNumber(o.quantity);
  const stock = total !== null ? Math.max(0, Math.floor(total)) : places ? Object.values(places).reduce((a, b) => a + b, 0) : null;
  const { fields, attributes: chars } = readProperties([...o.characteristics, ...o.properties.flatMap((p) => propertyValue(tree, p))], reading);
  return {
    id: o.id,
    parent: o.productId,
    name: o.name ? cut(o.name, 300) : null,
    price: units !== null && units >= 0 && currency ? toMinor(units, currency) : null,
    currency: units !== null ? currency : null,
    stock,
    places,
    chars,
    color: fields.color?.toLowerCase() ?? null,
    brand: fields.brand ?? null,
    material: fields.material ?? null,
    style: fields.style?.toLowerCase() ?? null,
    deleted: o.deleted,
  };
}

const TEXT = sql.raw('name, description, category, brand, color, style, material, image_url, tags, attributes');

/**
 * Goods in three statements: every good marked seen (and hidden when deleted, shown again when it
 * has a price); the text of changed goods rewritten (the search vector is rebuilt only for them);
 * new goods inserted hidden, at price 0, until their offer brings a price.
 */
async function upsertGoods(tx: Tx, rows: GoodRow[], currency: string, now: Date): Promise<{ inserted: number; updated: number }> {
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  const batch = JSON.stringify(unique);
  const src = sql`(select * from jsonb_to_recordset(${batch}::jsonb) as x(id text, name text, description text, category text, brand text, color text, style text, material text, image_url text, tags jsonb, attributes jsonb, deleted boolean))`;
  const at = sql`${iso(now)}::timestamptz`;
  await tx.execute(sql`update products p set synced_at = ${at}, source = '1c', active = (not s.deleted and p.price > 0) from ${src} s where p.id = s.id`);
  const [changed] = await query<{ n: number }>(
    tx,
    sql`with s as (select id, name, description, category, brand, color, style, material, image_url,
        coalesce((select array_agg(t) from jsonb_array_elements_text(x.tags) t), '{}') as tags, attributes from ${src} x),
      up as (update products p set name = s.name, description = s.description, category = s.category, brand = s.brand, color = s.color, style = s.style,
        material = s.material, image_url = coalesce(s.image_url, p.image_url), tags = s.tags, attributes = p.attributes || s.attributes, updated_at = ${at}
      from s where p.id = s.id and ((p.name, p.description, p.category, p.brand, p.color, p.style, p.material, p.tags) is distinct from (s.name, s.description, s.category, s.brand, s.color, s.style, s.material, s.tags)
        or (p.attributes @> s.attributes) is not true or (s.image_url is not null and p.image_url is distinct from s.image_url))
      returning p.id, p.name, p.category, p.color, p.style, p.brand, p.material),
      words as (${catalogWords(sql`select * from up`)})
    select count(*)::int as n from up`,
  );
  const [ins] = await query<{ n: number }>(
    tx,
    sql`with s as (select * from ${src} x where not exists (select 1 from products p where p.id = x.id)),
      ins as (insert into products (id, ${TEXT}, price, currency, stock, active, source, synced_at, created_at, updated_at)
        select id, name, description, category, brand, color, style, material, image_url, coalesce((select array_agg(t) from jsonb_array_elements_text(s.tags) t), '{}'), attributes,
          0, ${currency}, 0, false, '1c', ${at}, ${at}, ${at} from s
        on conflict (id) do nothing returning id, name, category, color, style, brand, material),
      words as (${catalogWords(sql`select * from ins`)})
    select count(*)::int as n from ins`,
  );
  return { inserted: Number(ins!.n), updated: Number(changed!.n) };
}

/**
 * Offers in two statements: variants (`товар#характеристика`) created or renamed from their
 * parent; then price, currency and stock set where the file gives them, a product shown when it
 * has a price and hidden when 1C deletes the offer, every price change written to price history.
 */
async function upsertOffers(tx: Tx, rows: OfferRow[], now: Date): Promise<{ found: number; variants: number; priceChanges: number; stockChanges: number }> {
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  const batch = JSON.stringify(unique);
  const src = sql`(select * from jsonb_to_recordset(${batch}::jsonb) as x(id text, parent text, name text, price bigint, currency text, stock int, places jsonb, chars jsonb, color text, brand text, material text, style text, deleted boolean))`;
  const at = sql`${iso(now)}::timestamptz`;
  const [v] = await query<{ n: number }>(
    tx,
    sql`with v as (
      select s.id, s.parent, coalesce(nullif(s.name, ''), par.name || coalesce(' (' || (select string_agg(value, ', ') from jsonb_each_text(s.chars)) || ')', '')) as name,
        par.description, par.category, coalesce(s.brand, par.brand) as brand, coalesce(s.color, par.color) as color, coalesce(s.style, par.style) as style,
        coalesce(s.material, par.material) as material, par.image_url, par.tags, par.attributes || s.chars as attributes, par.currency
      from ${src} s join products par on par.id = s.parent where s.parent <> s.id),
    ins as (insert into products as p (id, parent_id, ${TEXT}, price, currency, stock, active, source, synced_at, created_at, updated_at)
      select id, parent, name, description, category, brand, color, style, material, image_url, tags, attributes, 0, currency, 0, false, '1c', ${at}, ${at}, ${at} from v
      on conflict (id) do update set name = excluded.name, brand = excluded.brand, color = excluded.color, style = excluded.style, material = excluded.material,
        attributes = excluded.attributes, parent_id = excluded.parent_id, updated_at = excluded.updated_at
      where (p.name, p.brand, p.color, p.style, p.material, p.attributes, p.parent_id) is distinct from (excluded.name, excluded.brand, excluded.color, excluded.style, excluded.material, excluded.attributes, excluded.parent_id)
      returning p.id, (xmax = 0) as fresh, p.name, p.category, p.color, p.style, p.brand, p.material),
    words as (${catalogWords(sql`select * from ins`)})
    select count(*) filter (where fresh)::int as n from ins`,
  );
  const [r] = await query<{ found: number; changes: number; stock: number }>(
    tx,
    sql`with up as (update products p set price = coalesce(x.price, p.price), currency = coalesce(x.currency, p.currency), stock = coalesce(x.stock, p.stock),
        stock_places = coalesce(x.places, p.stock_places), active = (not x.deleted and coalesce(x.price, p.price) > 0), source = '1c', synced_at = ${at}, updated_at = ${at}
      from (select s.*, b.price as price_before, b.stock as stock_before from ${src} s join products b on b.id = s.id) x
      where p.id = x.id returning p.id, p.price, p.old_price, p.stock, x.price_before, x.stock_before),
    hist as (insert into price_history (product_id, price, old_price, at)
      select id, price, old_price, ${at} from up where price_before is distinct from price returning product_id)
    select (select count(*) from up)::int as found, (select count(*) from hist)::int as changes,
      (select count(*) from up where stock_before is distinct from stock)::int as stock`,
  );
  return { found: Number(r!.found), variants: Number(v!.n), priceChanges: Number(r!.changes), stockChanges: Number(r!.stock) };
}

/**
 * `mode=deactivate`: products 1C keeps that this exchange did not mention are hidden (never
 * deleted: alerts, carts and orders keep naming them). Returns how many.
 */
export async function hideUnmentioned(db: Tx, since: Date, now: Date): Promise<number> {
  const [r] = await query<{ n: number }>(
    db,
    sql`with off as (update products set active = false, updated_at = ${iso(now)}::timestamptz where source = '1c' and active and (synced_at is null or synced_at < ${iso(since)}::timestamptz) returning id)
    select count(*)::int as n from off`,
  );
  return Number(r!.n);
}
