import { afterEach, describe, expect, it } from 'vitest';
import type { TurnContext } from '../handlers/context.ts';
import { query, sql } from '../src/db/database.ts';
import { claimInbound, finishInbound } from '../src/inbox/inbox-repo.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

describe.each(backends())('lease recovery and giving up ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const inbox = () =>
    query<{ status: string; attempts: number; last_error: string | null }>(
      h.services.database.db,
      sql`select status, attempts, last_error from inbox order by id`,
    );

  it('a row held by a dead worker is reclaimed after the lease, answered once, and the zombie cannot commit', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { INBOX_LEASE_SECONDS: '30' } });
    await h.post(textWebhook({ from: '77010000051', body: 'кресло', at: h.clock.now() }));
    const db = h.services.database.db;
    // A worker claims the message and dies.
    const [zombie] = await claimInbound(db, { now: h.clock.now(), leaseMs: 30_000, limit: 10 });
    expect(zombie).toBeDefined();
    await h.drain();
    expect(graph.sendsTo('77010000051')).toHaveLength(0); // still leased
    h.clock.advance(29_000);
    await h.drain();
    expect(graph.sendsTo('77010000051')).toHaveLength(0);
    h.clock.advance(2_000);
    await h.drain();
    expect(graph.sendsTo('77010000051').map((s) => s.body.text.body)).toEqual(['Эхо: кресло']);
    // The zombie wakes up and tries to finish: refused, nothing written.
    expect(await finishInbound(db, zombie!, 'done', h.clock.now())).toBe(false);
    expect(await inbox()).toMatchObject([{ status: 'done', attempts: 2 }]);
  });

  it('a turn that keeps failing is marked failed after N attempts, the shopper gets one apology, and it is counted', async () => {
    const runTurn = async (_: TurnContext) => {
      throw new Error('model exploded');
    };
    h = await startHarness({ backend, graphUrl: graph.url, env: { INBOX_MAX_ATTEMPTS: '3' }, build: { runTurn } });
    await h.post(textWebhook({ from: '77010000052', body: 'x', at: h.clock.now() }));
    await h.post(textWebhook({ from: '77010000052', body: 'y', at: h.clock.now() }));
    for (let i = 0; i < 10; i++) {
      await h.drain();
      h.clock.advance(60_000);
    }
    expect(await inbox()).toEqual([
      { status: 'failed', attempts: 3, last_error: 'Error: model exploded' },
      { status: 'failed', attempts: 3, last_error: 'Error: model exploded' },
    ]);
    expect(graph.sendsTo('77010000052').map((s) => s.body.text.body)).toEqual([
      'Извините, не получилось обработать ваше сообщение. Попробуйте ещё раз чуть позже.',
      'Извините, не получилось обработать ваше сообщение. Попробуйте ещё раз чуть позже.',
    ]);
    const metrics = await h.services.metrics.registry.getSingleMetricAsString('vitrina_inbox_failed_total');
    expect(metrics).toMatch(/vitrina_inbox_failed_total 2/);
  });

  it('a message whose worker keeps dying (lease expires N times) is given up, not retried forever', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { INBOX_MAX_ATTEMPTS: '2', INBOX_LEASE_SECONDS: '10' } });
    await h.post(textWebhook({ from: '77010000053', body: 'poison', at: h.clock.now() }));
    const db = h.services.database.db;
    for (let i = 0; i < 2; i++) {
      expect(await claimInbound(db, { now: h.clock.now(), leaseMs: 10_000, limit: 1 })).toHaveLength(1);
      h.clock.advance(11_000);
    }
    await h.drain();
    expect(await inbox()).toMatchObject([{ status: 'failed', attempts: 3 }]);
    expect(graph.sendsTo('77010000053')).toHaveLength(1);
  });
});
