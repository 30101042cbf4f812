import { afterAll, describe, expect, it } from 'vitest';
import { MemoryKv } from '../src/kv/memory-kv.ts';
import { RedisKv } from '../src/kv/redis-kv.ts';
import type { Kv } from '../src/kv/kv.ts';
import { TEST_REDIS_URL } from './helpers/backends.ts';

const now = 1_000_000;
const stores: Array<[string, () => Kv]> = [
  ['memory', () => new MemoryKv({ now: () => now })],
  ['redis', () => new RedisKv({ url: TEST_REDIS_URL, prefix: `store-test-${process.pid}-${Math.random()}:` })],
];

describe.each(stores)('store port (%s)', (_, make) => {
  const store = make();
  afterAll(() => store.close());

  it('keeps the last N items of a context list, oldest first', async () => {
    for (let i = 1; i <= 12; i++) await store.listPush('ctx:1', [`m${i}`], 10);
    expect(await store.listGet('ctx:1')).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12']);
    expect(await store.listGet('ctx:none')).toEqual([]);
    await store.listPush('ctx:1', ['a', 'b', 'c'], 4);
    expect(await store.listGet('ctx:1')).toEqual(['m12', 'a', 'b', 'c']);
  });

  it('del removes values and lists alike', async () => {
    await store.set('lang:9', 'kk', 60);
    await store.listPush('ctx:9', ['a'], 10);
    await store.del(['lang:9', 'ctx:9', 'never-set']);
    expect(await store.get('lang:9')).toBeNull();
    expect(await store.listGet('ctx:9')).toEqual([]);
  });

  it('a token bucket grants its burst, then asks to wait the refill time', async () => {
    const bucket = `b:${Math.random()}`;
    const t = 5_000_000;
    expect(await store.takeToken(bucket, 10, 2, t)).toBe(0);
    expect(await store.takeToken(bucket, 10, 2, t)).toBe(0);
    expect(await store.takeToken(bucket, 10, 2, t)).toBe(100);
    expect(await store.takeToken(bucket, 10, 2, t + 100)).toBe(0);
    expect(await store.takeToken(bucket, 10, 2, t + 100)).toBe(100);
  });
});
