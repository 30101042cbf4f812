/**
 * The key-value store ("kv": "store" is the shop): what may be lost lives here, conversation
 * context, caches, rate-limit buckets, counters. Postgres stays the record. Redis in
 * production, memory in the embedded default. /readyz still reports it as `store` (an operator's
 * contract).
 */
export interface Kv {
  readonly kind: 'redis' | 'memory';
  /** Appends items to a capped list (newest last), in one round trip; the list keeps `max` items. */
  listPush(key: string, items: string[], max: number, ttlSeconds?: number): Promise<void>;
  listGet(key: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  /** Removes keys (any kind: values, lists, counters). */
  del(keys: string[]): Promise<void>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Adds `by` (1 unless said) to a counter that lives `ttlMs` from its first increment; returns the new count. */
  incr(key: string, ttlMs: number, by?: number): Promise<number>;
  /**
   * Token bucket: `ratePerSec` refill, `burst` capacity, time from the caller's clock.
   * Returns 0 when a token was taken, else the milliseconds to wait before trying again.
   */
  takeToken(bucket: string, ratePerSec: number, burst: number, nowMs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every key kept in the store, named in one place: per shopper (forgetting a shopper clears
 * them all), the send rate's bucket per business number, and the wrong-password counters.
 */
export const kvKeys = {
  context: (shopper: string) => `ctx:${shopper}`,
  flood: (shopper: string, minute: number) => `flood:${shopper}:${minute}`,
  sendRate: (phoneNumberId: string) => `mps:${phoneNumberId}`,
  /** Prefixes: the counter's own key (an address, a login) follows. */
  consoleSignInAttempts: 'console:signin-attempts:',
  onecAuthAttempts: 'onec:auth-attempts:',
} as const;

/** The keys a shopper's data may sit under now (flood counters: this minute and the last). */
export function shopperKvKeys(shopper: string, nowMs: number): string[] {
  const minute = Math.floor(nowMs / 60_000);
  // `prefs:`, `lang:` and `model-fails:` were keys of earlier versions (expiring within 30 days): erased too
  return [
    kvKeys.context(shopper),
    kvKeys.flood(shopper, minute),
    kvKeys.flood(shopper, minute - 1),
    `prefs:${shopper}`,
    `lang:${shopper}`,
    `model-fails:${shopper}`,
  ];
}
