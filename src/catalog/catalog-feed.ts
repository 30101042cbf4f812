import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { ExchangeFiles } from '../exchange/exchange-files.ts';
import { finishExchange, addCounts, openExchange } from '../exchange/exchange-repo.ts';
import type { Logger } from '../log.ts';
import { importCommerceML } from './commerceml-import.ts';
import { catalogSetting, setCatalogSetting } from './catalog-repo.ts';
import { importRows, parseCsv, parseJson, type RowError } from './import.ts';
import type { SourceReading } from './source-reading.ts';
import { readYml, sniffFormat } from './yml.ts';

export type CatalogFormat = ReturnType<typeof sniffFormat>;

export type CatalogImportOutcome =
  | { ok: true; format: CatalogFormat; counts: Record<string, number>; errors: RowError[] }
  | { ok: false; format: CatalogFormat; error: string; errors: RowError[] };

/**
 * Imports a catalog in any format Vitrina reads, from a source that can be read more than once
 * (a file, or a download kept in the exchange tables). Rows formats (YML, CSV, JSON) are read
 * whole before anything is written, CommerceML is checked whole first: a file that is cut short
 * or not well-formed changes nothing. `replace`: 'if-clean' (a feed is the whole catalog, unless
 * some of its rows could not be read) hides or removes what the file lacks only when every row
 * was good.
 */
export async function importCatalogData(opts: {
  db: Db;
  open: () => AsyncIterable<Uint8Array>;
  format: CatalogFormat;
  reading: SourceReading;
  publicUrl: string | null;
  now: () => Date;
  replace: boolean | 'if-clean';
  onProgress?: (done: number, total: number) => void;
}): Promise<CatalogImportOutcome> {
  const { format } = opts;
  if (format === 'commerceml') {
    const r = await importCommerceML(opts.db, opts.open as () => AsyncIterable<Buffer>, { reading: opts.reading, publicUrl: opts.publicUrl, now: opts.now() });
    return r.ok ? { ok: true, format, counts: { ...r.counts }, errors: [] } : { ok: false, format, error: r.error, errors: [] };
  }
  let parsed;
  if (format === 'yml') parsed = await readYml(opts.open(), opts.reading);
  else {
    const parts: Uint8Array[] = [];
    for await (const c of opts.open()) parts.push(c);
    const text = Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
    parsed = format === 'json' ? parseJson(text, opts.reading.defaultCurrency) : parseCsv(text, opts.reading.defaultCurrency);
  }
  const whole = parsed.errors.find((e) => e.line === 0) ?? (format === 'yml' && parsed.errors.length && !parsed.rows.length ? parsed.errors[0] : undefined);
  if (whole) return { ok: false, format, error: whole.error, errors: parsed.errors };
  if (opts.replace === true && parsed.errors.length) return { ok: false, format, error: 'a whole catalog imports only without errors: a skipped row would remove its product', errors: parsed.errors };
  const replace = opts.replace === 'if-clean' ? parsed.errors.length === 0 : opts.replace;
  const r = await importRows(opts.db, parsed.rows, opts.now, opts.onProgress, { replace });
  return { ok: true, format, counts: { products: parsed.rows.length, skipped: parsed.errors.length, ...r }, errors: parsed.errors };
}

const FEED_FILE = 'feed';
const keys = { url: 'feed_url', etag: 'feed_etag', modified: 'feed_last_modified' } as const;

export type FeedResult =
  | { status: 'not-modified' }
  | { status: 'imported'; exchange: string; format: CatalogFormat; counts: Record<string, number>; skipped: number }
  | { status: 'failed'; exchange: string | null; error: string };

/**
 * Pulls CATALOG_FEED_URL: a conditional GET (the ETag and Last-Modified of the last good pull),
 * the body kept in the exchange tables as it arrives (memory holds one piece), its length checked
 * against Content-Length, then imported as whatever it is (YML, CommerceML, CSV, JSON). A failed,
 * refused, oversized or half-downloaded feed is a failed exchange and changes nothing.
 */
export async function pullFeed(opts: {
  db: Db;
  files: ExchangeFiles;
  url: string;
  reading: SourceReading;
  publicUrl: string | null;
  now: () => Date;
  log: Logger;
  maxBytes: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Promise<FeedResult> {
  const { db, log } = opts;
  const setting = (key: string) => catalogSetting(db, key);
  const sameUrl = (await setting(keys.url)) === opts.url;
  const headers: Record<string, string> = {};
  const etag = sameUrl ? await setting(keys.etag) : null;
  const modified = sameUrl ? await setting(keys.modified) : null;
  if (etag) headers['if-none-match'] = etag;
  if (modified) headers['if-modified-since'] = modified;

  const id = `feed-${randomBytes(9).toString('base64url')}`;
  const fail = async (error: string): Promise<FeedResult> => {
    await finishExchange(db, id, 'failed', error, opts.now());
    log.warn({ exchange: id, url: safeUrl(opts.url), error }, 'catalog feed not imported; the catalog is as it was');
    return { status: 'failed', exchange: id, error };
  };
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(opts.url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000) });
  } catch (err) {
    const error = `the feed could not be fetched: ${(err as Error).message}`;
    log.warn({ url: safeUrl(opts.url), error }, 'catalog feed not reached');
    return { status: 'failed', exchange: null, error };
  }
  if (res.status === 304) {
    await res.body?.cancel();
    log.info({ url: safeUrl(opts.url) }, 'catalog feed not modified');
    return { status: 'not-modified' };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    await openExchange(db, { id, source: 'feed', kind: 'feed', at: opts.now() });
    return fail(`the feed answered HTTP ${res.status}`);
  }
  // fetch unpacks gzip: Content-Length then counts the packed bytes
  const identity = (res.headers.get('content-encoding') ?? 'identity') === 'identity';
  const r = await importStream({ ...opts, id, source: 'feed', body: res.body as unknown as AsyncIterable<Uint8Array>, declaredLength: identity ? res.headers.get('content-length') : null, replace: 'if-clean' });
  if (!r.ok) return { status: 'failed', exchange: id, error: r.error };
  for (const [key, value] of [[keys.url, opts.url], [keys.etag, res.headers.get('etag')], [keys.modified, res.headers.get('last-modified')]] as const)
    await setCatalogSetting(db, key, value);
  return { status: 'imported', exchange: id, format: r.format, counts: r.counts, skipped: r.errors.length };
}

/**
 * Keeps a catalog arriving as a stream (a feed download, an upload to the admin API) in the
 * exchange tables as it comes — memory holds one piece — then imports it as whatever it is. Too
 * large, cut short (fewer bytes than Content-Length, a broken connection), empty or unreadable:
 * a failed exchange, and the catalog as it was.
 */
export async function importStream(opts: {
  db: Db;
  files: ExchangeFiles;
  id: string;
  source: 'feed' | 'file';
  body: AsyncIterable<Uint8Array>;
  declaredLength: string | null;
  maxBytes: number;
  reading: SourceReading;
  publicUrl: string | null;
  now: () => Date;
  log: Logger;
  replace: boolean | 'if-clean';
}): Promise<CatalogImportOutcome & { bytes: number }> {
  const { db, id, log, files } = opts;
  let size = 0;
  let head: Uint8Array | null = null;
  await openExchange(db, { id, source: opts.source, kind: opts.source, at: opts.now() });
  const fail = async (error: string, format: CatalogFormat = 'csv', errors: RowError[] = []) => {
    await finishExchange(db, id, 'failed', error, opts.now());
    await files.clear(id);
    log.warn({ exchange: id, source: opts.source, error }, 'catalog not imported; it is as it was');
    return { ok: false as const, format, error, errors, bytes: size };
  };
  try {
    const pending: Uint8Array[] = [];
    let pendingSize = 0;
    const flush = async () => {
      if (!pendingSize) return;
      await files.append(id, FEED_FILE, Buffer.concat(pending.splice(0)));
      pendingSize = 0;
    };
    for await (const chunk of opts.body) {
      head ??= chunk;
      size += chunk.length;
      if (size > opts.maxBytes) return fail(`the catalog is larger than ${opts.maxBytes} bytes`);
      pending.push(chunk);
      pendingSize += chunk.length;
      if (pendingSize >= 4 * 1024 * 1024) await flush();
    }
    await flush();
  } catch (err) {
    return fail(`the download broke off after ${size} bytes: ${(err as Error).message}`);
  }
  if (opts.declaredLength !== null && Number(opts.declaredLength) !== size) return fail(`the download is incomplete: ${size} of ${opts.declaredLength} bytes`);
  if (!head) return fail('the catalog is empty');
  const outcome = await importCatalogData({ db, open: () => files.read(id, FEED_FILE), format: sniffFormat(head), reading: opts.reading, publicUrl: opts.publicUrl, now: opts.now, replace: opts.replace });
  if (!outcome.ok) return fail(`${outcome.format}: ${outcome.error}`, outcome.format, outcome.errors);
  for (const e of outcome.errors.slice(0, 20)) log.warn({ exchange: id, line: e.line, error: e.error }, 'catalog row skipped');
  await addCounts(db, id, { format: outcome.format, ...outcome.counts, bytes: size }, opts.now());
  await finishExchange(db, id, 'done', outcome.errors.length ? `${outcome.errors.length} rows skipped (first: line ${outcome.errors[0]!.line}: ${outcome.errors[0]!.error})` : null, opts.now());
  await files.clear(id);
  log.info({ exchange: id, source: opts.source, format: outcome.format, bytes: size, ...outcome.counts }, 'catalog imported');
  return { ...outcome, bytes: size };
}

/** A feed URL for the log: its credentials and query (often a token) left out. */
const safeUrl = (u: string) => {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return '(invalid url)';
  }
};
