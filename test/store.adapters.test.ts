import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/store/memory-store.ts';
import { RedisStore } from '../src/store/redis-store.ts';
import type { Store } from '../src/store/store.ts';
import { TEST_REDIS_URL } from './helpers/backends.ts';

let now = 1_000_000;
const stores: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore({ now: () => now })],
  ['redis', () => new RedisStore({ url: TEST_REDIS_URL, prefix: `store-test-${process.pid}-${Math.random()}:` })],
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

  it('a lock is exclusive until released, and only its holder can release it', async () => {
    const a = await store.acquireLock('job:x', 10_000);
    expect(a).not.toBeNull();
    expect(await store.acquireLock('job:x', 10_000)).toBeNull();
    await store.releaseLock({ name: 'job:x', token: 'not-mine' });
    expect(await store.acquireLock('job:x', 10_000)).toBeNull();
    await store.releaseLock(a!);
    expect(await store.acquireLock('job:x', 10_000)).not.toBeNull();
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

describe('memory store lock expiry', () => {
  it('an expired lock can be taken again', async () => {
    const store = new MemoryStore({ now: () => now });
    expect(await store.acquireLock('l', 1000)).not.toBeNull();
    now += 1001;
    expect(await store.acquireLock('l', 1000)).not.toBeNull();
  });
});
