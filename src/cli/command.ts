import type { ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';

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
