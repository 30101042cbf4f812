import { parse } from 'csv-parse/sync';
import { IMPORT_BATCH, parsedOf, type CatalogItem, type CatalogPass, type ParsedCatalog, type RowError } from './import.ts';
import { validateProduct, type CurrencyReading } from './product.ts';

const REQUIRED = ['id', 'name', 'price'];

/**
 * A record whose quoted field is still open after this many bytes is taken for a quote that
 * never closes: its first line is reported, and the lines after it are read again on their own.
 * A product's description runs to kilobytes; without the bound one stray quote would make the
 * rest of a 600 MB file one record held in memory.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * CSV with a header row (`,` `;` or tab between columns), fed one line at a time, so a file of
 * any size is read in constant memory. Each record (a quoted field may span lines) becomes an
 * item: a product row, or the line it starts on and why it cannot be one. A quote that opens and
 * never closes swallows the rest of a file in any CSV reader: its row is reported and skipped,
 * and the rows after it are read on their own.
 */
export class CsvCatalogReader {
  private header: string[] | null = null;
  private delimiter = ',';
  private pending: Array<{ n: number; text: string }> = [];
  private pendingBytes = 0;
  private quoted = false;
  /** The first line does not name the columns: the file is not a catalog (line 0). */
  whole: RowError | null = null;
  readonly items: CatalogItem[] = [];

  constructor(private readonly reading: CurrencyReading) {}

  line(n: number, text: string): void {
    if (this.whole) return;
    if (!this.header) {
      this.readHeader(text.replace(/^\uFEFF/, ''));
      return;
    }
    this.pending.push({ n, text });
    this.pendingBytes += text.length + 1;
    this.quoted = this.stillQuoted(text, this.quoted);
    if (!this.quoted) this.record();
    else if (this.pendingBytes > MAX_RECORD_BYTES) this.unclosed();
  }

  end(): void {
    while (this.pending.length && !this.whole) this.unclosed();
    if (!this.header && !this.whole) this.whole = { line: 0, error: 'the catalog is empty' };
  }

  private readHeader(first: string): void {
    this.delimiter = first.includes('\t') && !/[,;]/.test(first) ? '\t' : first.includes(';') && !first.includes(',') ? ';' : ',';
    this.header = first.split(this.delimiter).map((c) => c.trim().replace(/^"|"$/g, '').trim().toLowerCase());
    const missing = REQUIRED.filter((c) => !this.header!.includes(c));
    if (missing.length)
      this.whole = {
        line: 0,
        error: `this is not a catalog file Vitrina reads: its first line must name the columns, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not among them (CSV with id, name, price…; JSON; YML; CommerceML)`,
      };
  }

  /** RFC 4180: a quote opens a field only at its start; inside one, `""` is a quote and `"` closes it. */
  private stillQuoted(text: string, quoted: boolean): boolean {
    let atStart = !quoted;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') i++;
          else quoted = false;
        }
      } else if (c === this.delimiter) atStart = true;
      else if (c === '"' && atStart) quoted = true;
      else if (c !== ' ' && c !== '\t') atStart = false;
    }
    return quoted;
  }

  private record(): void {
    const lines = this.pending.splice(0);
    this.pendingBytes = 0;
    const line = lines[0]!.n;
    const text = lines.map((l) => l.text).join('\n');
    if (!text.trim()) return;
    try {
      const [record] = parse(text, { columns: this.header!, delimiter: this.delimiter, relax_column_count: true, trim: true }) as Array<Record<string, string>>;
      if (!record) return;
      const v = validateProduct(record, this.reading);
      this.items.push(v.ok ? { line, row: v.row } : { line, error: v.error });
    } catch (err) {
      // a quote that does not close on its line pairs with the next row's: the row it opened is
      // reported, and the lines it swallowed are read again on their own
      if (lines.length > 1) {
        this.unclosed(lines);
        return;
      }
      // the reader counts lines from the record's start: the item has the file's line
      this.items.push({ line, error: `this row cannot be read: ${(err as Error).message.replace(/ at line \d+/, '')}` });
    }
  }

  /** The first pending line opens a quote that does not close: reported, and what followed it read again. */
  private unclosed(lines = this.pending.splice(0)): void {
    const [first, ...rest] = lines;
    this.pendingBytes = 0;
    this.quoted = false;
    this.items.push({ line: first!.n, error: 'this row cannot be read: a quote (") opens in it and never closes' });
    for (const l of rest) this.line(l.n, l.text);
  }
}

/** One pass over a CSV catalog arriving in pieces (UTF-8): items handed on a batch at a time. */
export function csvPass(open: () => AsyncIterable<Uint8Array>, reading: CurrencyReading): CatalogPass {
  return async (take) => {
    const reader = new CsvCatalogReader(reading);
    const decoder = new TextDecoder('utf-8');
    let rest = '';
    let n = 0;
    const hand = async (all = false) => {
      while (reader.items.length >= IMPORT_BATCH || (all && reader.items.length)) await take(reader.items.splice(0, IMPORT_BATCH));
    };
    for await (const chunk of open()) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = lines.pop()!;
      for (const l of lines) reader.line(++n, l.endsWith('\r') ? l.slice(0, -1) : l);
      if (reader.whole) return reader.whole;
      await hand();
    }
    rest += decoder.decode();
    if (rest) reader.line(++n, rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    reader.end();
    if (reader.whole) return reader.whole;
    await hand(true);
    return null;
  };
}

/** A CSV catalog held whole as text (tests, small files). */
export function parseCsv(text: string, reading: CurrencyReading): ParsedCatalog {
  const reader = new CsvCatalogReader(reading);
  for (const [i, l] of text.split(/\r?\n/).entries()) reader.line(i + 1, l);
  reader.end();
  return reader.whole ? { rows: [], errors: [reader.whole] } : parsedOf(reader.items);
}
