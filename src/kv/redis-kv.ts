import { Redis } from 'ioredis';
import type { Kv } from './kv.ts';

// Token bucket in one round trip. Time comes from the caller so every process (and test) agrees.
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) * rate / 1000) end
if now < at then now = at end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`;

export class RedisKv implements Kv {
  readonly kind = 'redis' as const;
  readonly redis: Redis;
  private readonly prefix: string;

  constructor(opts: { url: string; prefix?: string }) {
    this.prefix = opts.prefix ?? 'vitrina:';
    this.redis = new Redis(opts.url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 2000,
      // A reply that does not come in a second is treated as Redis being down.
      commandTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      // Commands issued in the same tick (a turn reads context, preferences and language
      // together) leave in one write: on this VM a loopback write costs about 0.2 ms.
      enableAutoPipelining: true,
    });
    // Connection errors surface on the calls that need Redis; the event itself is not fatal.
    this.redis.on('error', () => {});
    this.redis.defineCommand('vtTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  }

  /**
   * Everything here may be lost (see Kv), so while Redis is away callers get an error at
   * once and degrade (no context, the in-process rate bucket) instead of each waiting for a
   * reconnect. Commands issued while a connection attempt is under way still queue.
   */
  private get r(): Redis {
    const st = this.redis.status;
    if (st === 'reconnecting' || st === 'close' || st === 'end') throw new Error(`Redis unavailable (${st})`);
    return this.redis;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async listPush(key: string, items: string[], max: number, ttlSeconds = 30 * 24 * 3600): Promise<void> {
    await this.r
      .multi()
      .rpush(this.k(key), ...items)
      .ltrim(this.k(key), -max, -1)
      .expire(this.k(key), ttlSeconds)
      .exec();
  }

  async listGet(key: string): Promise<string[]> {
    return this.r.lrange(this.k(key), 0, -1);
  }

  async get(key: string): Promise<string | null> {
    return this.r.get(this.k(key));
  }

  async del(keys: string[]): Promise<void> {
    if (keys.length) await this.r.del(...keys.map((k) => this.k(k)));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.r.set(this.k(key), value, 'EX', ttlSeconds);
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    const [[, n]] = (await this.r.multi().incrby(this.k(key), by).pexpire(this.k(key), ttlMs, 'NX').exec()) as [[null, number], unknown];
    return Number(n);
  }

  async takeToken(bucket: string, ratePerSec: number, burst: number, nowMs: number): Promise<number> {
    const r = await (
      this.r as unknown as {
        vtTakeToken(k: string, rate: number, burst: number, now: number): Promise<number>;
      }
    ).vtTakeToken(this.k(`bucket:${bucket}`), ratePerSec, burst, nowMs);
    return Number(r);
  }

  async ping(): Promise<void> {
    await this.r.ping();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
