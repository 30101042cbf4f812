import type { ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { readLiveServer } from '../server-info.ts';
import { buildServices } from '../services/services.ts';

/** A CLI failure the user can fix: printed as one line, exit code 1. */
export class UsageError extends Error {}

export interface Command {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  /** Number of positional arguments expected (after the command words). */
  positionals: number;
  run(args: { positionals: string[]; values: Record<string, string | boolean | undefined> }): Promise<number>;
}

/**
 * PGlite allows one process per data directory: while the embedded server holds it, commands
 * that need the database go through its admin API. Null when they may open the database.
 */
export function liveServer(config: Config): ((path: string, init?: { method?: string; body?: unknown }) => Promise<Response>) | null {
  const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
  if (!server) return null;
  return (path, init = {}) =>
    fetch(`http://127.0.0.1:${server.port}/admin/api${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.ADMIN_TOKEN ?? server.adminToken}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

/** Where a command reads and writes: Postgres (host and database) or the embedded database's folder. */
export function whereStored(config: Config): string {
  if (config.DATABASE_URL) {
    const u = new URL(config.DATABASE_URL);
    return `Postgres ${u.host}${u.pathname}`;
  }
  return config.DATA_DIR.startsWith('memory://') ? 'an in-memory database' : `the embedded database in ${resolve(config.DATA_DIR)}`;
}

/**
 * A command that works on a store's data needs its database: a DATA_DIR without one is a typo
 * or the wrong folder, and creating an empty database there would take writes (a manager's
 * account) that the running store never sees.
 */
export function needDatabase(config: Config): void {
  if (config.DATABASE_URL || config.DATA_DIR.startsWith('memory://') || existsSync(join(config.DATA_DIR, 'PG_VERSION'))) return;
  throw new UsageError(
    `no database in ${resolve(config.DATA_DIR)}: start the service there once (npm start), or set DATA_DIR (or DATABASE_URL) to the store's`,
  );
}

/** Runs `fn` with the services (CRON off), or through the live embedded server's admin API. */
export async function withServices(
  config: Config,
  viaApi: (api: NonNullable<ReturnType<typeof liveServer>>) => Promise<number>,
  fn: (s: Awaited<ReturnType<typeof buildServices>>) => Promise<number>,
): Promise<number> {
  const api = liveServer(config);
  if (api) return viaApi(api);
  needDatabase(config);
  const services = await buildServices({ ...config, CRON: 'off' }, { log: createLogger({ level: config.LOG_LEVEL, stderr: true }) });
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}

export const printResponse = async (res: Response) => {
  console.log(await res.text());
  return res.ok ? 0 : 1;
};
