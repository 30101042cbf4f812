import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { finishExchange, openExchange } from '../exchange/exchange-repo.ts';
import type { Logger } from '../log.ts';
import { catalogSetting, setCatalogSetting } from './catalog-repo.ts';
import type { CatalogFormat, CatalogWrites } from './catalog-writes.ts';

const keys = { url: 'feed_url', etag: 'feed_etag', modified: 'feed_last_modified' } as const;
const MAX_REDIRECTS = 5;

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
  writes: CatalogWrites;
  url: string;
  now: () => Date;
  log: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** `same-host` (the default): redirects to another host are refused. */
  redirects?: 'same-host' | 'any';
  /** A whole-catalog feed that would remove more than this share of the active products is refused (default 50). */
  maxRemovalPercent?: number;
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
  let res: Response | null = null;
  const notReached = (error: string): FeedResult => {
    log.warn({ url: safeUrl(opts.url), error }, 'catalog feed not reached');
    return { status: 'failed', exchange: null, error };
  };
  // redirects are followed here, not by fetch: a feed may move on its host, not hand the catalog to another one
  let url = opts.url;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
  for (let hops = 0; ; hops++) {
    try {
      res = await (opts.fetch ?? fetch)(url, { headers, signal, redirect: 'manual' });
    } catch (err) {
      return notReached(`the feed could not be fetched: ${(err as Error).message}`);
    }
    const location = res.status >= 300 && res.status < 400 && res.status !== 304 ? res.headers.get('location') : null;
    if (!location) break;
    await res.body?.cancel();
    const next = new URL(location, url);
    if (hops >= MAX_REDIRECTS) return notReached(`the feed redirected more than ${MAX_REDIRECTS} times`);
    if (next.host !== new URL(url).host && opts.redirects !== 'any')
      return notReached(`the feed redirected to another host (${next.host}): not followed; set CATALOG_FEED_REDIRECTS=any to allow it`);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') return notReached(`the feed redirected to ${next.protocol} — not a web address`);
    url = next.toString();
  }
  if (!res) return notReached('the feed could not be fetched');
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
  const r = await opts.writes.stream({
    id,
    source: 'feed',
    body: res.body as unknown as AsyncIterable<Uint8Array>,
    declaredLength: identity ? res.headers.get('content-length') : null,
    replace: 'if-clean',
    maxRemovalPercent: opts.maxRemovalPercent ?? 50,
  });
  if (!r.ok) return { status: 'failed', exchange: id, error: r.error };
  for (const [key, value] of [
    [keys.url, opts.url],
    [keys.etag, res.headers.get('etag')],
    [keys.modified, res.headers.get('last-modified')],
  ] as const)
    await setCatalogSetting(db, key, value);
  return { status: 'imported', exchange: id, format: r.format, counts: r.counts, skipped: r.errors.length };
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
