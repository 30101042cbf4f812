import { isDatabaseUnavailable } from './db/unavailable.ts';
import type { Logger } from './log.ts';

/**
 * Work nobody awaits — job ticks, pump claims, the vocabulary's poll, upkeep — reports its
 * failures here. The contract: a background call never rejects into the void; it fails, is
 * logged, and is tried again on its next tick.
 *
 * While the database is unreachable every tick fails the same way, so an outage is logged once
 * per kind of work (and its end once more); any other failure is a bug and logged every time.
 */
export class BackgroundFailures {
  private readonly down = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  private failed(what: string, err: unknown, fields: Record<string, unknown> = {}): void {
    if (!isDatabaseUnavailable(err)) {
      this.log.error({ ...fields, what, err }, `${what} failed; tried again on its next tick`);
      return;
    }
    const n = this.down.get(what) ?? 0;
    this.down.set(what, n + 1);
    if (n === 0)
      this.log.warn({ ...fields, what, err: String(err) }, `${what}: the database is unreachable; tried again on each tick, logged again when it works`);
  }

  private succeeded(what: string): void {
    const n = this.down.get(what);
    if (n === undefined) return;
    this.down.delete(what);
    this.log.info({ what, failedTicks: n }, `${what} works again`);
  }

  /** Runs one tick of `what`; resolves with its value, or undefined after reporting its failure. Never rejects. */
  async tick<T>(what: string, fn: () => Promise<T>, fields?: Record<string, unknown>): Promise<T | undefined> {
    try {
      const v = await fn();
      this.succeeded(what);
      return v;
    } catch (err) {
      this.failed(what, err, fields);
      return undefined;
    }
  }
}

/**
 * The safety net and the alarm: a promise rejected with no handler is a bug (every background
 * call has its own catch), logged with its stack and counted; the process stays up, because a
 * dead process turns a database blip into Meta's "connection refused" on every instance.
 */
export function installRejectionAlarm(log: Logger, count: () => void): void {
  process.on('unhandledRejection', (reason) => {
    count();
    const err = reason instanceof Error ? reason : new Error(`non-error rejection: ${String(reason)}`);
    log.fatal({ err, origin: 'unhandledRejection' }, 'unhandled promise rejection (a bug: some call has no catch); the process stays up');
  });
}
