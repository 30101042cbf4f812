import { iso, query, sql, type Tx } from '../db/database.ts';
import type { catalogExchanges } from '../db/schema.ts';
import type { SqlRow } from '../db/sql-row.ts';

/** What an exchange did, added up over its calls (inserted, updated, priceChanges, deactivated, …). */
export type ExchangeCounts = NonNullable<(typeof catalogExchanges.$inferSelect)['counts']>;

export interface Exchange {
  id: string;
  source: '1c' | 'feed' | 'file';
  kind: string;
  status: 'open' | 'done' | 'failed';
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  counts: ExchangeCounts;
  error: string | null;
  orders: number[] | null;
}

/** A catalog exchange as raw SQL selects it. */
type RawExchange = SqlRow<typeof catalogExchanges.$inferSelect>;

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const toExchange = (r: RawExchange): Exchange => ({
  id: r.id,
  source: r.source,
  kind: r.kind,
  status: r.status,
  startedAt: new Date(r.started_at),
  updatedAt: new Date(r.updated_at),
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  counts: json(r.counts) ?? {},
  error: r.error,
  orders: json(r.orders),
});

export async function openExchange(db: Tx, e: { id: string; source: Exchange['source']; kind: string; at: Date }): Promise<void> {
  await db.execute(
    sql`insert into catalog_exchanges (id, source, kind, status, started_at, updated_at) values (${e.id}, ${e.source}, ${e.kind}, 'open', ${iso(e.at)}::timestamptz, ${iso(e.at)}::timestamptz)`,
  );
}

export async function getExchange(db: Tx, id: string): Promise<Exchange | null> {
  const [r] = await query<RawExchange>(db, sql`select * from catalog_exchanges where id = ${id}`);
  return r ? toExchange(r) : null;
}

/** Adds numbers to the exchange's counts (other values replace): the imports of one exchange add up. 1C calls one at a time. */
export async function addCounts(db: Tx, id: string, counts: ExchangeCounts, at: Date): Promise<void> {
  const e = await getExchange(db, id);
  if (!e) return;
  const merged = { ...e.counts };
  for (const [k, v] of Object.entries(counts)) merged[k] = typeof v === 'number' && typeof merged[k] === 'number' ? (merged[k] as number) + v : v;
  await db.execute(sql`update catalog_exchanges set counts = ${JSON.stringify(merged)}::jsonb, updated_at = ${iso(at)}::timestamptz where id = ${id}`);
}

export async function finishExchange(db: Tx, id: string, status: 'done' | 'failed', error: string | null, at: Date): Promise<void> {
  await db.execute(
    sql`update catalog_exchanges set status = ${status}, error = coalesce(${error}, error), finished_at = ${iso(at)}::timestamptz, updated_at = ${iso(at)}::timestamptz where id = ${id}`,
  );
}

/** A call came: the exchange is not abandoned. With `orders`, the ones `type=sale&mode=query` handed 1C. */
export async function touchExchange(db: Tx, id: string, at: Date, orders?: number[]): Promise<void> {
  await db.execute(
    sql`update catalog_exchanges set updated_at = ${iso(at)}::timestamptz${orders ? sql`, orders = ${JSON.stringify(orders)}::jsonb` : sql``} where id = ${id}`,
  );
}

/** The latest exchanges, newest first (the operator's view). */
export async function recentExchanges(db: Tx, limit = 10): Promise<Exchange[]> {
  const rows = await query<RawExchange>(db, sql`select * from catalog_exchanges order by started_at desc, id limit ${limit}`);
  return rows.map(toExchange);
}

/**
 * Exchanges left open and silent since `before` (1C stopped calling before `complete`, a process
 * died mid-feed): failed as abandoned. Returns their ids (their files are the caller's to drop).
 */
export async function abandonStale(db: Tx, before: Date, now: Date): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    sql`update catalog_exchanges set status = 'failed', error = coalesce(error, 'abandoned half-way: no call for an hour'), finished_at = ${iso(now)}::timestamptz
    where status = 'open' and updated_at < ${iso(before)}::timestamptz returning id`,
  );
  return rows.map((r) => r.id);
}

/** `mode=init`: the exchange's imports start over. */
export async function clearImports(db: Tx, exchangeId: string): Promise<void> {
  await db.execute(sql`delete from exchange_imports where exchange_id = ${exchangeId}`);
}

export interface ImportState {
  status: 'running' | 'done' | 'failed';
  progress: Record<string, number>;
  error: string | null;
  /** true: this call took the import (new, or its runner's lease ran out) and must run it. */
  claimed: boolean;
}

/**
 * Claims `mode=import` of one file: a new import, or one whose runner stopped renewing its lease
 * (the process died), is this caller's to run; otherwise the caller reads where it stands.
 */
export async function claimImport(db: Tx, exchangeId: string, filename: string, now: Date, leaseMs: number): Promise<ImportState> {
  const until = iso(new Date(now.getTime() + leaseMs));
  const [claimed] = await query<{ status: ImportState['status'] }>(
    db,
    sql`insert into exchange_imports (exchange_id, filename, status, lease_until) values (${exchangeId}, ${filename}, 'running', ${until}::timestamptz)
    on conflict (exchange_id, filename) do update set lease_until = excluded.lease_until, progress = '{}'::jsonb
      where exchange_imports.status = 'running' and exchange_imports.lease_until < ${iso(now)}::timestamptz
    returning status`,
  );
  if (claimed) return { status: 'running', progress: {}, error: null, claimed: true };
  return { ...(await importState(db, exchangeId, filename))!, claimed: false };
}

/** Where an import stands, without claiming it; null when it never started. */
export async function importState(db: Tx, exchangeId: string, filename: string): Promise<Omit<ImportState, 'claimed'> | null> {
  const [r] = await query<{ status: ImportState['status']; progress: Record<string, number> | string; error: string | null }>(
    db,
    sql`select status, progress, error from exchange_imports where exchange_id = ${exchangeId} and filename = ${filename}`,
  );
  return r ? { status: r.status, progress: json(r.progress) ?? {}, error: r.error } : null;
}

export async function renewImport(db: Tx, exchangeId: string, filename: string, until: Date, progress: Record<string, number>): Promise<void> {
  await db.execute(
    sql`update exchange_imports set lease_until = ${iso(until)}::timestamptz, progress = ${JSON.stringify(progress)}::jsonb where exchange_id = ${exchangeId} and filename = ${filename} and status = 'running'`,
  );
}

export async function endImport(
  db: Tx,
  exchangeId: string,
  filename: string,
  status: 'done' | 'failed',
  progress: Record<string, number>,
  error: string | null,
): Promise<void> {
  await db.execute(
    sql`update exchange_imports set status = ${status}, progress = ${JSON.stringify(progress)}::jsonb, error = ${error} where exchange_id = ${exchangeId} and filename = ${filename}`,
  );
}
