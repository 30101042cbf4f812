import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { bytea, ts } from './columns.ts';

/* The store's own system: 1C exchanges, their files and imports, groups, pictures and properties. */

/**
 * A catalog exchange: a 1C session (its cookie is the id), a feed pull or a file import. What it
 * changed (`counts`) and why it failed (`error`) are what the operator reads in /readyz, the
 * console and the metrics. `orders`: the orders the last `type=sale&mode=query` handed 1C,
 * marked exported by `mode=success`.
 */
export const catalogExchanges = pgTable(
  'catalog_exchanges',
  {
    id: text('id').primaryKey(),
    source: text('source', { enum: ['1c', 'feed', 'file'] }).notNull(),
    /** 1C: catalog or sale; a feed or file: its format (yml, commerceml, csv, json). */
    kind: text('kind').notNull(),
    status: text('status', { enum: ['open', 'done', 'failed'] })
      .notNull()
      .default('open'),
    startedAt: ts('started_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    finishedAt: ts('finished_at'),
    /** What the exchange did so far, by name (goods, offers, inserted, …). */
    counts: jsonb('counts').$type<Record<string, number | boolean | string>>().notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
    /** A sale exchange: the orders it handed 1C. */
    orders: jsonb('orders').$type<number[]>(),
  },
  (t) => [index('catalog_exchanges_started_idx').on(t.startedAt)],
);

/** The files 1C uploads in an exchange, in the chunks they came in (`mode=file` appends). Kept in Postgres so any process can import them. */
export const exchangeFiles = pgTable(
  'exchange_files',
  {
    exchangeId: text('exchange_id').notNull(),
    name: text('name').notNull(),
    seq: integer('seq').notNull(),
    /** Bytes in `data`, kept beside it: summing length(data) would read every stored chunk back. */
    size: integer('size').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exchangeId, t.name, t.seq] })],
);

/**
 * One `mode=import` of one file: claimed by the process that runs it (the lease is renewed while
 * it runs; a dead process's import is taken over by the next call), then done or failed for good.
 */
export const exchangeImports = pgTable(
  'exchange_imports',
  {
    exchangeId: text('exchange_id').notNull(),
    filename: text('filename').notNull(),
    status: text('status', { enum: ['running', 'done', 'failed'] }).notNull(),
    leaseUntil: ts('lease_until').notNull(),
    progress: jsonb('progress').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.exchangeId, t.filename] })],
);

/** 1C's groups (the catalog tree): a product's category is its group's name, its parents' names its tags. */
export const catalogGroups = pgTable('catalog_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  parentId: text('parent_id'),
});

/** Pictures 1C sends under import_files/, served at /catalog-files/<path> for WhatsApp to fetch. */
export const catalogFiles = pgTable('catalog_files', {
  path: text('path').primaryKey(),
  data: bytea('data').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** 1C's properties (Свойство) with their dictionaries: goods in a later file name them by Ид. */
export const catalogProperties = pgTable('catalog_properties', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** ИдЗначения → Значение. */
  values: jsonb('values').notNull().default(sql`'{}'::jsonb`),
});
