import type { Store } from './store.ts';

/** In-process store for the embedded default (one process). */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private lists = new Map<string, string[]>();
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly opts: { now?: () => number } = {}) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  async listPush(key: string, items: string[], max: number): Promise<void> {
    const list = this.lists.get(key) ?? [];
    list.push(...items);
    if (list.length > max) list.splice(0, list.length - max);
    this.lists.set(key, list);
  }

  async listGet(key: string): Promise<string[]> {
    return [...(this.lists.get(key) ?? [])];
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
    this.values.set(key, { value, until: this.now() + ttlSeconds * 1000 });
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const v = this.values.get(key);
    const live = v && v.until > this.now();
    const n = (live ? Number(v.value) : 0) + 1;
    this.values.set(key, { value: String(n), until: live ? v.until : this.now() + ttlMs });
    return n;
  }

  async takeToken(bucket: string, ratePerSec: number, burst: number, nowMs: number): Promise<number> {
    const b = this.buckets.get(bucket) ?? { tokens: burst, at: nowMs };
    const tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.at) * ratePerSec) / 1000);
    if (tokens >= 1) {
      this.buckets.set(bucket, { tokens: tokens - 1, at: nowMs });
      return 0;
    }
    this.buckets.set(bucket, { tokens, at: nowMs });
    return Math.ceil(((1 - tokens) * 1000) / ratePerSec);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
