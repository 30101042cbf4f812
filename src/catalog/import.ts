import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Db } from '../db/database.ts';
import { flushSearchIndex, removeProductsExcept, upsertProducts, type UpsertResult } from './catalog-repo.ts';
import { validateProduct, type ProductRow } from './product.ts';

export interface RowError {
  /** Line in the file (CSV: the line the record starts on; JSON: the item's index + 1). */
  line: number;
  error: string;
}

export interface ParsedCatalog {
  rows: ProductRow[];
  errors: RowError[];
}

/**
 * Reads a CSV (header row with the column names in the README) or JSON (`{"products": [...]}`
 * or a bare array) catalog. Bad rows are reported with their line and left out; good rows kept.
 */
export function parseCatalogFile(path: string, defaultCurrency: string): ParsedCatalog {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return path.toLowerCase().endsWith('.json') ? parseJson(text, defaultCurrency) : parseCsv(text, defaultCurrency);
}

export function parseCsv(text: string, defaultCurrency: string): ParsedCatalog {
  const delimiter = (text.split('\n')[0] ?? '').includes(';') && !(text.split('\n')[0] ?? '').includes(',') ? ';' : ',';
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), delimiter, skip_empty_lines: true, info: true, relax_column_count: true, trim: true });
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 0;
    return { rows: [], errors: [{ line, error: `CSV cannot be read: ${(err as Error).message}` }] };
  }
  return collect(records.map((r) => ({ line: r.info.lines, raw: r.record })), defaultCurrency);
}

export function parseJson(text: string, defaultCurrency: string): ParsedCatalog {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { rows: [], errors: [{ line: 0, error: `JSON cannot be read: ${(err as Error).message}` }] };
  }
  const items = Array.isArray(data) ? data : (data as { products?: unknown[] })?.products;
  if (!Array.isArray(items)) return { rows: [], errors: [{ line: 0, error: 'expected an array of products or {"products": [...]}' }] };
  return collect(items.map((raw, i) => ({ line: i + 1, raw })), defaultCurrency);
}

function collect(items: Array<{ line: number; raw: unknown }>, currency: string): ParsedCatalog {
  const out: ParsedCatalog = { rows: [], errors: [] };
  for (const { line, raw } of items) {
    const v = validateProduct(raw, currency);
    if (v.ok) out.rows.push(v.row);
    else out.errors.push({ line, error: v.error });
  }
  return out;
}

export const IMPORT_BATCH = 1000;

export interface ImportResult extends UpsertResult {
  /** With `replace`: products the file does not hold, deleted, or deactivated when alerts name them. */
  deleted: number;
  deactivated: number;
}

/**
 * Imports in batches; each batch commits whole or not at all. `replace`: the file is the whole
 * catalog, and what it does not hold leaves the store once every batch is in.
 */
export async function importRows(
  db: Db,
  rows: ProductRow[],
  now: () => Date,
  onProgress?: (done: number, total: number) => void,
  opts: { replace?: boolean } = {},
): Promise<ImportResult> {
  const total: ImportResult = { inserted: 0, updated: 0, priceChanges: 0, deleted: 0, deactivated: 0 };
  for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
    const r = await db.transaction((tx) => upsertProducts(tx, rows.slice(i, i + IMPORT_BATCH), now()));
    total.inserted += r.inserted;
    total.updated += r.updated;
    total.priceChanges += r.priceChanges;
    onProgress?.(Math.min(rows.length, i + IMPORT_BATCH), rows.length);
  }
  if (opts.replace) Object.assign(total, await db.transaction((tx) => removeProductsExcept(tx, rows.map((r) => r.id), now())));
  await flushSearchIndex(db);
  return total;
}
