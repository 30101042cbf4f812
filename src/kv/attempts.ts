import type { Kv } from './kv.ts';

/** Wrong passwords a console login or 1C's address may try per window, and the window. */
export const WRONG_PASSWORDS = 10;
export const LOCKOUT_MS = 15 * 60_000;

/**
 * Guesses of a secret limited per key (a console login, the address 1C calls from). Each
 * attempt is counted before the secret is checked, in one atomic increment, so a burst of
 * parallel guesses cannot slip past the limit with the right one last; a right guess clears the
 * count. The window starts at the first attempt. With the store unreachable nothing is limited
 * (the lock is a brake, not the password).
 */
export class Attempts {
  constructor(
    private readonly kv: Kv,
    private readonly opts: { prefix: string; limit: number; windowMs: number },
  ) {}

  /** Counts an attempt; false when the key has used up its attempts in this window. */
  async take(key: string): Promise<boolean> {
    const n = await this.kv.incr(this.opts.prefix + key, this.opts.windowMs).catch(() => 0);
    return n <= this.opts.limit;
  }

  /** An attempt that could not be checked (the database away) is given back: a store's outage locks nobody out. */
  async refund(key: string): Promise<void> {
    await this.kv.incr(this.opts.prefix + key, this.opts.windowMs, -1).catch(() => undefined);
  }

  /** After a right guess: the next wrong one starts a fresh count. */
  async clear(key: string): Promise<void> {
    await this.kv.del([this.opts.prefix + key]).catch(() => undefined);
  }
}
