import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { RateLimiter } from '../src/outbox/rate-limiter.ts';
import { MemoryKv } from '../src/kv/memory-kv.ts';
import { RedisKv } from '../src/kv/redis-kv.ts';
import type { Kv } from '../src/kv/kv.ts';
import { FakeGraphApi } from './fakes/graph-api.ts';
import { backends, TEST_REDIS_URL } from './helpers/backends.ts';
import { startHarness, textWebhook } from './helpers/harness.ts';

const log = pino({ level: 'silent' });

/** Most grants in any window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const stores: Array<[string, () => Kv]> = [
  ['memory', () => new MemoryKv()],
  ['redis', () => new RedisKv({ url: TEST_REDIS_URL, prefix: `rl-test-${Date.now()}-${Math.random()}:` })],
];

describe.each(stores)('rate limit under a burst (%s store)', (_, makeStore) => {
  it('two processes sharing the bucket never exceed WHATSAPP_MAX_MPS in any second', async () => {
    const store = makeStore();
    const clock = new ManualClock();
    const a = new RateLimiter({ kv: store, clock, mps: 80, log });
    const b = new RateLimiter({ kv: store, clock, mps: 80, log });
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        await (i % 2 ? a : b).acquire('106540352242922');
        grants.push(clock.now().getTime());
      }),
    );
    await store.close();
    expect(grants).toHaveLength(400);
    expect(maxPerSecond(grants)).toBeLessThanOrEqual(80);
    // and it is not needlessly slow: 400 messages take about 400/72 s
    const span = Math.max(...grants) - Math.min(...grants);
    expect(span).toBeGreaterThan(4_000);
    expect(span).toBeLessThan(6_000);
  });

  it('separate phone numbers have separate buckets', async () => {
    const store = makeStore();
    const clock = new ManualClock();
    const limiter = new RateLimiter({ kv: store, clock, mps: 10, log });
    for (let i = 0; i < 2; i++) await limiter.acquire('A');
    const t = clock.now().getTime();
    await limiter.acquire('B');
    expect(clock.now().getTime()).toBe(t);
    await store.close();
  });
});

describe.each(backends())('the sender holds the limit ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('300 replies at 80 mps take at least (300 − burst) / rate seconds of clock time', async () => {
    const graph = await new FakeGraphApi().start();
    const h = await startHarness({ backend, graphUrl: graph.url, env: { WHATSAPP_MAX_MPS: '80', OUTBOX_CONCURRENCY: '16' } });
    for (let i = 0; i < 300; i++) await h.post(textWebhook({ from: `7702${String(i).padStart(7, '0')}`, body: `m${i}`, at: h.clock.now() }));
    await h.services.inbox.pump.drain();
    const start = h.clock.now().getTime();
    await h.services.sender.pump.drain();
    expect(graph.sends).toHaveLength(300);
    expect(h.clock.now().getTime() - start).toBeGreaterThanOrEqual(((300 - 8) / 72) * 1000 - 50);
    await h.close();
    await graph.stop();
  });
});
