import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { ExchangeFiles } from '../exchange/exchange-files.ts';
import { addCounts, finishExchange, openExchange } from '../exchange/exchange-repo.ts';
import type { Logger } from '../log.ts';
import { countRemoval, flushSearchIndex, removeProductsExcept } from './catalog-repo.ts';
import { hideUnmentioned, importCommerceML, type CmlImportResult } from './commerceml-import.ts';
import { csvPass } from './csv.ts';
import { importPass, importRows, jsonPass, type ImportResult, type RowError } from './import.ts';
import { validateProduct, type ProductRow } from './product.ts';
import type { SourceReading } from './source-reading.ts';
import { sniffFormat, ymlPass } from './yml.ts';

export type CatalogFormat = ReturnType<typeof sniffFormat>;
/** Where a catalog write came from: the label of its metrics and of the console's exchanges. */
export type WriteSource = '1c' | 'feed' | 'file' | 'api' | 'demo';

export type CatalogImportOutcome =
  | { ok: true; format: CatalogFormat; counts: Record<string, number>; errors: RowError[] }
  | { ok: false; format: CatalogFormat; error: string; errors: RowError[] };

export interface CatalogWritesOptions {
  db: Db;
  files: ExchangeFiles;
  clock: Clock;
  log: Logger;
  /** How the store's system is read now (lexicon, store.yaml): currency words, fields, the retail price type. */
  reading: () => SourceReading;
  publicUrl: string | null;
  maxBytes: number;
  /** After products changed: the vocabulary refreshed, price alerts run, the metrics counted. */
  changed: (source: WriteSource, counts: Record<string, number>) => Promise<void>;
}

const FILE = 'catalog';

/**
 * The only way products reach the database — the admin API, the CLI, the feed job, 1C and the
 * demo loader all come here: rows validated (a row without a price is refused with its line),
 * currency and retail price type resolved by the source reading (never guessed), upserted with
 * price history, then the vocabulary, price alerts and metrics, and for whole files an exchange
 * record the console shows.
 */
/** The largest JSON catalog read (it is read whole; CSV, YML and CommerceML stream). */
export const WHOLE_TEXT_BYTES = 256 * 1024 * 1024;
/** Skipped rows listed in an outcome (all are counted): a file of bad rows must not fill memory with reasons. */
const KEPT_ERRORS = 1000;

export class CatalogWrites {
  constructor(private readonly o: CatalogWritesOptions) {}

  /** Rows as the admin API and the demo loader give them (currency units). `replace`: they are the whole catalog, so every one must be good. */
  async rows(
    source: 'api' | 'demo',
    items: unknown[],
    opts: { replace?: boolean } = {},
  ): Promise<
    { ok: true; result: ImportResult; errors: Array<{ index: number; error: string }> } | { ok: false; errors: Array<{ index: number; error: string }> }
  > {
    const reading = this.o.reading();
    const rows: ProductRow[] = [];
    const errors: Array<{ index: number; error: string }> = [];
    items.forEach((raw, index) => {
      const v = validateProduct(raw, reading);
      if (v.ok) rows.push(v.row);
      else errors.push({ index, error: v.error });
    });
    if (opts.replace && errors.length) return { ok: false, errors };
    const result = await this.write(source, rows, opts.replace === true);
    return { ok: true, result, errors };
  }

  /** After a catalog sent in batches: only these products stay; the rest are deleted, or deactivated when alerts, carts or orders name them. */
  async retain(ids: string[]): Promise<{ deleted: number; deactivated: number }> {
    const r = await this.o.db.transaction((tx) => removeProductsExcept(tx, ids, this.o.clock.now()));
    await flushSearchIndex(this.o.db);
    await this.after('api', r);
    return r;
  }

  /** One CommerceML file of a 1C exchange (the exchange keeps its own record of the run). */
  async commerceML(open: () => AsyncIterable<Buffer>, onProgress?: (read: { goods: number; offers: number }) => void): Promise<CmlImportResult> {
    const r = await importCommerceML(this.o.db, open, { reading: this.o.reading(), publicUrl: this.o.publicUrl, now: this.o.clock.now(), onProgress });
    if (r.ok) await this.after('1c', r.counts);
    return r;
  }

  /** 1C's `mode=deactivate` after a whole catalog: what this exchange did not mention since `since` is hidden. */
  async hideUnmentioned(since: Date): Promise<number> {
    const hidden = await hideUnmentioned(this.o.db, since, this.o.clock.now());
    if (hidden) await this.after('1c', { deactivated: hidden });
    return hidden;
  }

  /**
   * A catalog arriving as a stream (a feed download, an upload to the admin API, the CLI's file),
   * kept in the exchange tables as it comes — memory holds one piece — then imported as whatever
   * it is (YML, CommerceML, CSV, JSON) and recorded as an exchange. Too large, cut short (fewer
   * bytes than Content-Length, a broken connection), empty or unreadable: a failed exchange, and
   * the catalog as it was. `replace`: 'if-clean' (a feed is the whole catalog, unless some of its
   * rows could not be read) hides or removes what the file lacks only when every row was good.
   */
  async stream(opts: {
    source: 'feed' | 'file';
    id?: string;
    body: AsyncIterable<Uint8Array>;
    declaredLength: string | null;
    replace: boolean | 'if-clean';
    maxRemovalPercent?: number;
  }): Promise<CatalogImportOutcome & { exchange: string; bytes: number }> {
    const { db, files, log, clock } = this.o;
    const id = opts.id ?? `${opts.source}-${randomUUID()}`;
    let size = 0;
    let head: Uint8Array | null = null;
    await openExchange(db, { id, source: opts.source, kind: opts.source, at: clock.now() });
    const fail = async (error: string, format: CatalogFormat = 'csv', errors: RowError[] = []) => {
      await finishExchange(db, id, 'failed', error, clock.now());
      await files.clear(id);
      log.warn({ exchange: id, source: opts.source, error }, 'catalog not imported; it is as it was');
      return { ok: false as const, format, error, errors, exchange: id, bytes: size };
    };
    try {
      const pending: Uint8Array[] = [];
      let pendingSize = 0;
      const flush = async () => {
        if (!pendingSize) return;
        await files.append(id, FILE, Buffer.concat(pending.splice(0)));
        pendingSize = 0;
      };
      for await (const chunk of opts.body) {
        head ??= chunk;
        size += chunk.length;
        if (size > this.o.maxBytes) return fail(`the catalog is larger than ${this.o.maxBytes} bytes`);
        pending.push(chunk);
        pendingSize += chunk.length;
        if (pendingSize >= 4 * 1024 * 1024) await flush();
      }
      await flush();
    } catch (err) {
      return fail(`the download broke off after ${size} bytes: ${(err as Error).message}`);
    }
    if (opts.declaredLength !== null && Number(opts.declaredLength) !== size)
      return fail(`the download is incomplete: ${size} of ${opts.declaredLength} bytes`);
    if (!head) return fail('the catalog is empty');
    const format = sniffFormat(head);
    // JSON is read whole (CSV, YML and CommerceML stream): past this it would take the process's memory
    if (format === 'json' && size > WHOLE_TEXT_BYTES)
      return fail(
        `a JSON catalog over ${WHOLE_TEXT_BYTES / 1024 / 1024} MB is not read (it is read whole): split it, or send CSV, YML or CommerceML, which are read as a stream`,
        format,
      );
    let outcome: CatalogImportOutcome;
    try {
      outcome = await this.importData(() => files.read(id, FILE), format, opts.replace, opts.maxRemovalPercent);
    } catch (err) {
      // whatever went wrong, the exchange ends failed and its files go
      log.error({ exchange: id, err }, 'catalog import failed');
      return fail(`the import failed: ${(err as Error).message}`, format);
    }
    if (!outcome.ok) return fail(`${outcome.format}: ${outcome.error}`, outcome.format, outcome.errors);
    for (const e of outcome.errors.slice(0, 20)) log.warn({ exchange: id, line: e.line, error: e.error }, 'catalog row skipped');
    await addCounts(db, id, { format: outcome.format, ...outcome.counts, bytes: size }, clock.now());
    await finishExchange(
      db,
      id,
      'done',
      outcome.errors.length ? `${outcome.counts.skipped} rows skipped (first: line ${outcome.errors[0]!.line}: ${outcome.errors[0]!.error})` : null,
      clock.now(),
    );
    await files.clear(id);
    log.info({ exchange: id, source: opts.source, format: outcome.format, bytes: size, ...outcome.counts }, 'catalog imported');
    await this.after(opts.source, outcome.counts);
    return { ...outcome, exchange: id, bytes: size };
  }

  /**
   * A catalog from a source that can be read more than once. Rows formats (YML, CSV, JSON) are
   * read twice a batch at a time — checked whole, then written — so memory holds one batch and
   * the ids; CommerceML is checked whole first too. A file that is cut short or not well-formed
   * changes nothing.
   */
  private async importData(
    open: () => AsyncIterable<Uint8Array>,
    format: CatalogFormat,
    replaceOpt: boolean | 'if-clean',
    maxRemovalPercent = 100,
  ): Promise<CatalogImportOutcome> {
    const reading = this.o.reading();
    if (format === 'commerceml') {
      if (replaceOpt === true)
        return {
          ok: false,
          format,
          error: 'replace does not apply to CommerceML: 1C marks what is gone (Статус="Удален"), and its exchange hides what it no longer sends',
          errors: [],
        };
      const r = await importCommerceML(this.o.db, open as () => AsyncIterable<Buffer>, { reading, publicUrl: this.o.publicUrl, now: this.o.clock.now() });
      return r.ok ? { ok: true, format, counts: { ...r.counts }, errors: [] } : { ok: false, format, error: r.error, errors: [] };
    }
    const pass = format === 'yml' ? ymlPass(open, reading) : format === 'csv' ? csvPass(open, reading) : jsonPass(open, reading);
    const ids: string[] = [];
    const errors: RowError[] = [];
    let skipped = 0;
    const whole = await pass(async (items) => {
      for (const item of items) {
        if ('row' in item) ids.push(item.row.id);
        else if (++skipped <= KEPT_ERRORS) errors.push(item);
      }
    });
    if (whole) return { ok: false, format, error: whole.line ? `line ${whole.line}: ${whole.error}` : whole.error, errors: [whole] };
    if (!ids.length && errors.length)
      return {
        ok: false,
        format,
        error: skipped > 1 ? `no row could be read (first: line ${errors[0]!.line}: ${errors[0]!.error})` : `line ${errors[0]!.line}: ${errors[0]!.error}`,
        errors,
      };
    if (replaceOpt === true && skipped)
      return { ok: false, format, error: 'a whole catalog imports only without errors: a skipped row would remove its product', errors };
    const replace = replaceOpt === 'if-clean' ? skipped === 0 : replaceOpt;
    if (replace && maxRemovalPercent < 100) {
      // a one-row export by mistake must not take the store's catalog with it
      const { gone, active } = await countRemoval(this.o.db, ids);
      if (active && gone * 100 > active * maxRemovalPercent)
        return {
          ok: false,
          format,
          error: `it would remove ${gone} of the ${active} products (over ${maxRemovalPercent} %): refused; set CATALOG_FEED_MAX_REMOVAL_PERCENT=100 if the catalog really shrank`,
          errors,
        };
    }
    const r = await importPass(this.o.db, pass, () => this.o.clock.now(), replace ? ids : undefined);
    return { ok: true, format, counts: { products: ids.length, skipped, ...r }, errors };
  }

  private async write(source: 'api' | 'demo', rows: ProductRow[], replace: boolean): Promise<ImportResult> {
    const r = await importRows(this.o.db, rows, () => this.o.clock.now(), { replace });
    await this.after(source, r as unknown as Record<string, number>);
    return r;
  }

  /** Vocabulary, price alerts and metrics once the rows are in: the write has committed, so a failure here is logged, and the next write or cron tick catches up. */
  private async after(source: WriteSource, counts: Record<string, number>): Promise<void> {
    await this.o
      .changed(source, counts)
      .catch((err) =>
        this.o.log.warn(
          { err: String(err), source },
          'catalog written; the vocabulary or price alerts were not refreshed: the next import or cron tick catches up',
        ),
      );
  }
}
