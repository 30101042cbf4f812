/**
 * The database schema, one file per area (src/db/schema/): what drizzle-kit reads to write the
 * migrations in drizzle/, and where every table's queries import it from.
 */
export * from './schema/messaging.ts';
export * from './schema/shoppers.ts';
export * from './schema/catalog.ts';
export * from './schema/commerce.ts';
export * from './schema/exchange.ts';
export * from './schema/people.ts';
export * from './schema/operations.ts';
