import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Lock, Store } from './store.ts';

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

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly redis: Redis;
  private readonly prefix: string;

  constructor(opts: { url: string; prefix?: string }) {
    this.prefix = opts.prefix ?? 'vitrina:';
    this.redis = new Redis(opts.url, {
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      connectTimeout: 2000,
    });
    // Connection errors surface on the calls that need Redis; the event itself is not fatal.
    this.redis.on('error', () => {});
    this.redis.defineCommand('vtTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    this.redis.defineCommand('vtRelease', { numberOfKeys: 1, lua: RELEASE });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async listPush(key: string, item: string, max: number, ttlSeconds = 30 * 24 * 3600): Promise<void> {
    await this.redis.multi().rpush(this.k(key), item).ltrim(this.k(key), -max, -1).expire(this.k(key), ttlSeconds).exec();
  }

  async listGet(key: string): Promise<string[]> {
    return this.redis.lrange(this.k(key), 0, -1);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.k(key), value, 'EX', ttlSeconds);
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const [[, n]] = (await this.redis.multi().incr(this.k(key)).pexpire(this.k(key), ttlMs, 'NX').exec()) as [[null, number], unknown];
    return Number(n);
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.k(`lock:${name}`), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? { name, token } : null;
  }

  async releaseLock(lock: Lock): Promise<void> {
    await (this.redis as unknown as { vtRelease(k: string, t: string): Promise<number> }).vtRelease(this.k(`lock:${lock.name}`), lock.token);
  }

  async takeToken(bucket: string, ratePerSec: number, burst: number, nowMs: number): Promise<number> {
    const r = await (this.redis as unknown as {
      vtTakeToken(k: string, rate: number, burst: number, now: number): Promise<number>;
    }).vtTakeToken(this.k(`bucket:${bucket}`), ratePerSec, burst, nowMs);
    return Number(r);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
