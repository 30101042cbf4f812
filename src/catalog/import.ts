import type { Db } from '../db/database.ts';
import { flushSearchIndex, removeProductsExcept, upsertProducts, type UpsertResult } from './catalog-repo.ts';
import { validateProduct, type CurrencyReading, type ProductRow } from './product.ts';

export interface RowError {
  /** Line in the file (CSV: the line the record starts on; JSON: the item's index + 1). */
  line: number;
  error: string;
}

export interface ParsedCatalog {
  rows: ProductRow[];
  errors: RowError[];
}

/** One record of a catalog file: a product row, or the line it starts on and why it cannot be one. */
export type CatalogItem = { line: number; row: ProductRow } | { line: number; error: string };

/**
 * One pass over a catalog file: its items handed to `take` a batch at a time, in order, so a
 * file of any size is read in bounded memory. Ends with null, or with the one error that makes
 * the whole file unreadable (line 0: not a catalog, not well-formed, cut short) — items handed
 * on before it are not to be written. A pass can be run again: the import checks the whole file
 * in one pass before it writes in a second.
 */
export type CatalogPass = (take: (items: CatalogItem[]) => Promise<void>) => Promise<RowError | null>;

export function parsedOf(items: CatalogItem[]): ParsedCatalog {
  const out: ParsedCatalog = { rows: [], errors: [] };
  for (const item of items) {
    if ('row' in item) out.rows.push(item.row);
    else out.errors.push(item);
  }
  return out;
}

/** A pass read whole into rows and errors (tests, small files). */
export async function collectPass(pass: CatalogPass): Promise<ParsedCatalog> {
  const items: CatalogItem[] = [];
  const whole = await pass(async (batch) => void items.push(...batch));
  return whole ? { rows: [], errors: [whole] } : parsedOf(items);
}

/** JSON (`{"products": [...]}` or a bare array) is read whole: the writer refuses one over WHOLE_TEXT_BYTES. */
export function jsonPass(open: () => AsyncIterable<Uint8Array>, reading: CurrencyReading): CatalogPass {
  return async (take) => {
    const parts: Uint8Array[] = [];
    for await (const c of open()) parts.push(c);
    const items = jsonItems(Buffer.concat(parts).toString('utf8'), reading);
    if (!Array.isArray(items)) return items;
    for (let i = 0; i < items.length; i += IMPORT_BATCH) await take(items.slice(i, i + IMPORT_BATCH));
    return null;
  };
}

export function parseJson(text: string, reading: CurrencyReading): ParsedCatalog {
  const items = jsonItems(text, reading);
  return Array.isArray(items) ? parsedOf(items) : { rows: [], errors: [items] };
}

/** Each item's line is its index + 1; a text that is not a list of products is one error at line 0. */
function jsonItems(text: string, reading: CurrencyReading): CatalogItem[] | RowError {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { line: 0, error: `this JSON cannot be read: ${(err as Error).message}` };
  }
  const items = Array.isArray(data) ? data : (data as { products?: unknown[] })?.products;
  if (!Array.isArray(items)) return { line: 0, error: 'this JSON is not a catalog: it must be a list of products or {"products": [...]}' };
  return items.map((raw, i) => {
    const v = validateProduct(raw, reading);
    return v.ok ? { line: i + 1, row: v.row } : { line: i + 1, error: v.error };
  });
}

export const IMPORT_BATCH = 1000;

export interface ImportResult extends UpsertResult {
  /** With `replace`: products the file does not hold, deleted, or deactivated when alerts name them. */
  deleted: number;
  deactivated: number;
}

/** Rows held in memory (the admin API, the demo) as a pass. */
export const rowsPass =
  (rows: ProductRow[]): CatalogPass =>
  async (take) => {
    for (let i = 0; i < rows.length; i += IMPORT_BATCH) await take(rows.slice(i, i + IMPORT_BATCH).map((row, k) => ({ line: i + k + 1, row })));
    return null;
  };

/**
 * Writes the rows a checked pass hands on, one transaction a batch (a batch commits whole or not
 * at all). `keep`: the file is the whole catalog, and what it does not name leaves the store once
 * every batch is in.
 */
export async function importPass(db: Db, pass: CatalogPass, now: () => Date, keep?: string[]): Promise<ImportResult> {
  const total: ImportResult = { inserted: 0, updated: 0, priceChanges: 0, deleted: 0, deactivated: 0 };
  const whole = await pass(async (items) => {
    const rows = items.flatMap((i) => ('row' in i ? [i.row] : []));
    if (!rows.length) return;
    const r = await db.transaction((tx) => upsertProducts(tx, rows, now()));
    total.inserted += r.inserted;
    total.updated += r.updated;
    total.priceChanges += r.priceChanges;
  });
  // the file was checked whole before this pass: changing under it is a bug, not a bad file
  if (whole) throw new Error(`the catalog read differently the second time: line ${whole.line}: ${whole.error}`);
  if (keep) Object.assign(total, await db.transaction((tx) => removeProductsExcept(tx, keep, now())));
  await flushSearchIndex(db);
  return total;
}

export const importRows = (db: Db, rows: ProductRow[], now: () => Date, opts: { replace?: boolean } = {}): Promise<ImportResult> =>
  importPass(db, rowsPass(rows), now, opts.replace ? rows.map((r) => r.id) : undefined);
