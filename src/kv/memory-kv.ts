import type { Kv } from './kv.ts';

/** How often expired keys are swept, and how long an idle token bucket is kept (it is full again long before). */
const SWEEP_MS = 60_000;
const BUCKET_IDLE_MS = 60 * 60_000;

/**
 * In-process store for the embedded default (one process). Keys expire as Redis's do: an
 * expired value reads as absent at once, and at most a minute later, on the next write, it is
 * gone from memory (each unknown login, each shopper's flood counter would otherwise stay).
 */
export class MemoryKv implements Kv {
  readonly kind = 'memory' as const;
  private lists = new Map<string, { items: string[]; until: number }>();
  private buckets = new Map<string, { tokens: number; at: number; touched: number }>();
  private sweptAt = 0;

  constructor(private readonly opts: { now?: () => number } = {}) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Keys held in memory, expired ones not yet swept included (for tests and the curious). */
  get size(): number {
    return this.values.size + this.lists.size + this.buckets.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < SWEEP_MS) return;
    this.sweptAt = now;
    for (const [k, v] of this.values) if (v.until <= now) this.values.delete(k);
    for (const [k, l] of this.lists) if (l.until <= now) this.lists.delete(k);
    for (const [k, b] of this.buckets) if (now - b.touched > BUCKET_IDLE_MS) this.buckets.delete(k);
  }

  async listPush(key: string, items: string[], max: number, ttlSeconds = 30 * 24 * 3600): Promise<void> {
    this.sweep();
    const live = this.lists.get(key);
    const list = live && live.until > this.now() ? live.items : [];
    list.push(...items);
    if (list.length > max) list.splice(0, list.length - max);
    // like Redis's EXPIRE on every push: the list lives ttl from its last write
    this.lists.set(key, { items: list, until: this.now() + ttlSeconds * 1000 });
  }

  async listGet(key: string): Promise<string[]> {
    const l = this.lists.get(key);
    return l && l.until > this.now() ? [...l.items] : [];
  }

  private values = new Map<string, { value: string; until: number }>();

  async get(key: string): Promise<string | null> {
    const v = this.values.get(key);
    return v && v.until > this.now() ? v.value : null;
  }

  async del(keys: string[]): Promise<void> {
    for (const k of keys) {
      this.values.delete(k);
      this.lists.delete(k);
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.values.set(key, { value, until: this.now() + ttlSeconds * 1000 });
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    this.sweep();
    const v = this.values.get(key);
    const live = v && v.until > this.now();
    const n = (live ? Number(v.value) : 0) + by;
    this.values.set(key, { value: String(n), until: live ? v.until : this.now() + ttlMs });
    return n;
  }

  async takeToken(bucket: string, ratePerSec: number, burst: number, nowMs: number): Promise<number> {
    this.sweep();
    const b = this.buckets.get(bucket) ?? { tokens: burst, at: nowMs, touched: 0 };
    // the bucket's refill runs on the caller's clock; its sweep on the store's
    const tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.at) * ratePerSec) / 1000);
    if (tokens >= 1) {
      this.buckets.set(bucket, { tokens: tokens - 1, at: nowMs, touched: this.now() });
      return 0;
    }
    this.buckets.set(bucket, { tokens, at: nowMs, touched: this.now() });
    return Math.ceil(((1 - tokens) * 1000) / ratePerSec);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
