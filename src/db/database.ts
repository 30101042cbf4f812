import { fileURLToPath } from 'node:url';
import { lockDataDir } from './data-dir-lock.ts';
import { preparing } from './prepared.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import postgres from 'postgres';
import type { Logger } from '../log.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database handle or an open transaction: repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  /**
   * Webhook intake's own handle. On Postgres, a pool of INTAKE_CONNECTIONS apart from the
   * workers', so a burst of webhooks never waits for a connection the turns hold. On PGlite,
   * `db` (one connection; `urgent` puts intake first).
   */
  intakeDb: Db;
  /**
   * Opens intake's connections now (the server, before it listens): a burst is the worst time
   * to make one on a busy machine, where a connect timeout would answer Meta 503. Commands and
   * tests that take no webhooks never call it.
   */
  warmIntake(): Promise<void>;
  kind: 'postgres' | 'pglite';
  /** Runs `fn` with its statements ahead of others waiting (PGlite); webhook intake uses it. */
  urgent<T>(fn: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * PGlite's upkeep (it runs no autovacuum), called on a timer: statistics, and with `vacuum`
   * dead rows too, for the queue tables — only when something was written since the last one.
   * Whether it ran. Postgres has autovacuum and no such call.
   */
  upkeep?(vacuum: boolean): Promise<boolean>;
}

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK = 7_231_004;

/**
 * Opens Postgres when `databaseUrl` is given, else PGlite in `dataDir` (or in memory for
 * `dataDir: 'memory://'`). Migrations run on open; on Postgres under an advisory lock so
 * several processes starting together migrate once.
 */
/**
 * postgres.js waits `backoff(retries)` seconds before reconnecting, with retries counted
 * across the whole pool; its default grows to 20 s, and queries queue for that long after a
 * restart, so webhooks would hang instead of answering 503. Capped at half a second here.
 */
const reconnectDelaySeconds = (retries: number) => Math.min(0.05 * 2 ** retries, 0.5);

/** Connections kept for webhook intake: its two group commits (messages, statuses) each have up to two statements in flight (src/webhook/intake.ts). */
const INTAKE_CONNECTIONS = 4;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolSize?: number; log?: Logger }): Promise<Database> {
  if (opts.databaseUrl) {
    const migrator = postgres(opts.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
      await migratePostgres(drizzlePostgres(migrator), { migrationsFolder: MIGRATIONS });
      await migrator`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    } finally {
      await migrator.end();
    }
    const client = postgres(opts.databaseUrl, { max: opts.poolSize ?? 20, onnotice: () => {}, backoff: reconnectDelaySeconds, connect_timeout: 5 });
    // postgres.js quirk (3.4.x, connection.js `fetchArrayTypes`): each new connection reads the
    // server's array types in an async call nobody awaits, so a connection that opens while the
    // server shuts down rejects it unhandled, and Node ends the process. The types are the same
    // for the pool's life and kept in its shared options: the first connection reads them here,
    // at start-up, and the connections made after a restart do not read them again.
    await client`select 1`;
    client.options.fetch_types = false;
    const intake = postgres(opts.databaseUrl, {
      max: INTAKE_CONNECTIONS,
      onnotice: () => {},
      backoff: reconnectDelaySeconds,
      connect_timeout: 5,
      fetch_types: false,
    });
    const db = drizzlePostgres(preparing(client), { schema }) as unknown as Db;
    return {
      db,
      intakeDb: drizzlePostgres(preparing(intake), { schema }) as unknown as Db,
      // postgres.js makes a pool's connections on demand: as many statements at once make them all
      warmIntake: async () => void (await Promise.all(Array.from({ length: INTAKE_CONNECTIONS }, () => intake`select 1`))),
      kind: 'postgres',
      urgent: (fn) => fn(),
      ping: async () => void (await client`select 1`),
      close: async () => void (await Promise.all([client.end({ timeout: 2 }), intake.end({ timeout: 2 })])),
    };
  }
  const memory = opts.dataDir.startsWith('memory://');
  if (!memory) mkdirSync(opts.dataDir, { recursive: true });
  const unlock = memory ? () => {} : lockDataDir(opts.dataDir);
  const client = new PGlite({ dataDir: memory ? undefined : opts.dataDir, extensions: { pg_trgm } });
  const { front, writes } = gateByPriority(client);
  const pdb = drizzlePglite(front, { schema });
  try {
    await migratePglite(pdb, { migrationsFolder: MIGRATIONS });
  } catch (err) {
    await client.close().catch(() => undefined);
    unlock();
    throw err;
  }
  // PGlite runs no autovacuum: without this the queue tables bloat and the planner, with no
  // statistics, walks the whole primary key for the claim queries (50 ms and growing instead of
  // 1 ms). Statistics are refreshed every few seconds from a 3,000-row sample (the default
  // 30,000 took up to a second on a year's million messages, and PGlite runs one statement at a
  // time, so every request waited); vacuum once a minute.
  // Each statement on its own: several in one exec are one transaction, and VACUUM refuses to run in one.
  const seen = { analyze: -1, vacuum: -1 };
  const upkeep = async (vacuum: boolean): Promise<boolean> => {
    const what = vacuum ? 'vacuum' : 'analyze';
    const n = writes();
    if (seen[what] === n) return false;
    seen[what] = n;
    try {
      await front.exec('set default_statistics_target = 10');
      await front.exec(`${vacuum ? 'vacuum analyze' : 'analyze'} inbox, outbox, shoppers, message_statuses`);
      await front.exec('reset default_statistics_target');
      return true;
    } catch (err) {
      seen[what] = -1;
      opts.log?.warn({ err: String(err) }, `PGlite maintenance (${what}) failed; retried later`);
      return false;
    }
  };
  let ticks = 0;
  const maintenance = setInterval(() => void upkeep(++ticks % 12 === 0), 5_000);
  maintenance.unref();
  return {
    db: pdb as unknown as Db,
    intakeDb: pdb as unknown as Db,
    warmIntake: async () => {},
    kind: 'pglite',
    urgent: (fn) => URGENT.run(true, fn),
    ping: async () => void (await front.query('select 1')),
    upkeep,
    close: async () => {
      clearInterval(maintenance);
      await client.close();
      unlock();
    },
  };
}

const URGENT = new AsyncLocalStorage<true>();
/** After this many urgent statements in a row, one waiting other statement goes, so workers are never starved. */
const URGENT_STREAK = 4;

/**
 * PGlite runs one statement (or transaction) at a time, first come first served. Webhook
 * writes marked urgent go ahead of the workers' queued statements instead, so a burst of
 * webhooks is answered within one statement's wait while the workers catch up behind it.
 * Statements inside a transaction run on its own handle and are not gated again; PGlite's own
 * internal calls go to the real client, so only what drizzle and we send waits here.
 */
function gateByPriority(client: PGlite): { front: PGlite; writes: () => number } {
  let busy = false;
  // statements that may have written (a transaction, or SQL that inserts, updates or deletes): the upkeep runs only after some
  let written = 0;
  const WRITE = /\b(insert|update|delete)\b/i;
  let streak = 0;
  const urgent: Array<() => void> = [];
  const other: Array<() => void> = [];
  // The next statement starts on setImmediate: PGlite answers through microtasks, so a
  // worker's chain of statements would otherwise keep the event loop from reading sockets
  // (webhooks waited seconds); in between, pending I/O runs and new webhooks get in line.
  const release = () => {
    busy = false;
    if (urgent.length || other.length) {
      busy = true;
      setImmediate(() => {
        const next = urgent.length && (streak < URGENT_STREAK || !other.length) ? (streak++, urgent.shift()) : ((streak = 0), other.shift() ?? urgent.shift());
        next!();
      });
    }
  };
  const gated =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (busy) await new Promise<void>((resolve) => (URGENT.getStore() ? urgent : other).push(resolve));
      busy = true;
      if (typeof args[0] !== 'string' || WRITE.test(args[0])) written++;
      try {
        return await fn(...args);
      } finally {
        release();
      }
    };
  const c = client as unknown as Record<'query' | 'exec' | 'transaction', (...args: unknown[]) => Promise<unknown>>;
  const front = Object.create(client) as typeof c;
  for (const m of ['query', 'exec', 'transaction'] as const) front[m] = gated(c[m].bind(client));
  return { front: front as unknown as PGlite, writes: () => written };
}

/** Raw SQL rows, whichever driver answered (postgres.js gives an array, PGlite `{ rows }`). */
export async function query<T>(db: Tx, q: SQL): Promise<T[]> {
  const res = (await db.execute(q)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

export { sql, type SQL };

/** Timestamps go into raw SQL as ISO strings: drizzle's postgres.js driver does not serialize Date. */
export const iso = (d: Date): string => d.toISOString();
