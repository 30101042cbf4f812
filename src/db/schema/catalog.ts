import { sql } from 'drizzle-orm';
import { bigserial, bigint, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { bytea, ts, tsvector } from './columns.ts';

/* The catalog: products, their embeddings, price history, words and settings the search reads. */

/**
 * The catalog. `id` is the store's SKU (also the WhatsApp retailer id). Prices are minor units
 * (tiyn for KZT); files and the API speak currency units. `search` is a weighted tsvector
 * (name; category, brand, colour, style, material, tags and attribute values; description)
 * built by a trigger in each text-search configuration the store's languages choose, plus
 * `simple` for exact words, model numbers and Kazakh.
 */
export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').notNull().default(''),
    brand: text('brand').notNull().default(''),
    color: text('color').notNull().default(''),
    style: text('style').notNull().default(''),
    material: text('material').notNull().default(''),
    price: bigint('price', { mode: 'number' }).notNull(),
    oldPrice: bigint('old_price', { mode: 'number' }),
    currency: text('currency').notNull(),
    stock: integer('stock').notNull().default(0),
    imageUrl: text('image_url'),
    url: text('url'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** false: gone from the store's feed but kept, because alerts or orders name it. */
    active: boolean('active').notNull().default(true),
    /** A variant (1C's `товар#характеристика`) names the product it is a variant of. */
    parentId: text('parent_id'),
    /** Who keeps this product current: null (files, the admin API) or '1c'. */
    source: text('source'),
    /** When the store's own system last mentioned it: 1C's `deactivate` hides what an exchange did not. */
    syncedAt: ts('synced_at'),
    /** Stock per warehouse as the store's system reports it (name → quantity); `stock` is their total. */
    stockPlaces: jsonb('stock_places'),
    /** Set by the products_search trigger with the store's text-search configurations (catalog_settings). */
    search: tsvector('search'),
  },
  (t) => [
    index('products_search_idx').using('gin', t.search),
    // filters compare lower(...) so "диваны" and "Диваны" are the same category
    index('products_category_price_idx').on(sql`lower(${t.category})`, t.price, t.id),
    index('products_color_idx').on(sql`lower(${t.color})`),
    // "red armchairs": the commonest pair of filters, read in price order without walking other colours
    index('products_category_color_price_idx').on(sql`lower(${t.category})`, sql`lower(${t.color})`, t.price, t.id),
    index('products_price_idx').on(t.price),
    // a product's variants, read for every search result and card that shows one
    index('products_parent_idx').on(t.parentId).where(sql`${t.parentId} is not null`),
  ],
);

/**
 * A product's embedding for semantic search (with a model): the vector of its words (name,
 * category, brand, fields, tags, the start of its description) as float32 little-endian, and the
 * hash of those words with the model and dimensions, so a product is embedded again only when
 * they change. Shared by every process through the database; no pgvector needed.
 */
export const productEmbeddings = pgTable('product_embeddings', {
  productId: text('product_id').primaryKey(),
  wordsHash: text('words_hash').notNull(),
  vector: bytea('vector').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every price a product has had; written by every upsert that changes the price. */
export const priceHistory = pgTable(
  'price_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    productId: text('product_id').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
    oldPrice: bigint('old_price', { mode: 'number' }),
    at: ts('at').notNull(),
  },
  (t) => [index('price_history_product_idx').on(t.productId, t.at)],
);

/** Words of the catalog, for the trigram "did you mean". */
export const catalogTerms = pgTable('catalog_terms', { term: text('term').primaryKey() }, (t) => [
  index('catalog_terms_trgm_idx').using('gin', t.term.op('gin_trgm_ops')),
]);

/** Catalog-wide settings the database itself reads (the search trigger's configurations). */
export const catalogSettings = pgTable('catalog_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
