import { parse } from 'csv-parse/sync';
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

const REQUIRED = ['id', 'name', 'price'];

/**
 * Reads a CSV (header row with the column names in the README) or JSON (`{"products": [...]}`
 * or a bare array) catalog. Bad rows are reported with their line and left out; good rows kept.
 * A file that is not a catalog at all is one error at line 0.
 */
export function parseCatalogText(text: string, format: 'csv' | 'json', reading: CurrencyReading): ParsedCatalog {
  const t = text.replace(/^\uFEFF/, '');
  return format === 'json' ? parseJson(t, reading) : parseCsv(t, reading);
}

/**
 * CSV with a header row (`,` `;` or tab between columns). A quote that opens and never closes
 * swallows the rest of the file in any CSV reader: its row is reported and skipped, and the
 * rows after it are read on their own.
 */
export function parseCsv(text: string, reading: CurrencyReading): ParsedCatalog {
  const [first = '', ...rest] = text.split(/\r?\n/);
  const delimiter = first.includes('\t') && !/[,;]/.test(first) ? '\t' : first.includes(';') && !first.includes(',') ? ';' : ',';
  const header = first.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, '').trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) return { rows: [], errors: [{ line: 0, error: `this is not a catalog file Vitrina reads: its first line must name the columns, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not among them (CSV with id, name, price…; JSON; YML; CommerceML)` }] };
  const items: Array<{ line: number; raw: unknown }> = [];
  const errors: RowError[] = [];
  // rest[k] is the file's line k + 2; a chunk's line L is the file's line from + 1 + L
  let from = 0;
  while (from < rest.length) {
    let lastEnd = 0;
    try {
      parse(rest.slice(from).join('\n'), {
        columns: header,
        delimiter,
        skip_empty_lines: true,
        relax_column_count: true,
        trim: true,
        on_record: (record: Record<string, string>, ctx: { lines: number }) => {
          items.push({ line: from + 1 + ctx.lines, raw: record });
          lastEnd = ctx.lines;
          return null;
        },
      });
      break;
    } catch (err) {
      const reason = (err as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote (") opens in it and never closes' : (err as Error).message;
      errors.push({ line: from + 2 + lastEnd, error: `this row cannot be read: ${reason}` });
      from += lastEnd + 1;
    }
  }
  const out = collect(items, reading);
  return { rows: out.rows, errors: [...errors, ...out.errors].sort((a, b) => a.line - b.line) };
}

export function parseJson(text: string, reading: CurrencyReading): ParsedCatalog {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { rows: [], errors: [{ line: 0, error: `this JSON cannot be read: ${(err as Error).message}` }] };
  }
  const items = Array.isArray(data) ? data : (data as { products?: unknown[] })?.products;
  if (!Array.isArray(items)) return { rows: [], errors: [{ line: 0, error: 'this JSON is not a catalog: it must be a list of products or {"products": [...]}' }] };
  return collect(items.map((raw, i) => ({ line: i + 1, raw })), reading);
}

function collect(items: Array<{ line: number; raw: unknown }>, reading: CurrencyReading): ParsedCatalog {
  const out: ParsedCatalog = { rows: [], errors: [] };
  for (const { line, raw } of items) {
    const v = validateProduct(raw, reading);
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
