import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { metaError } from './fakes/graph-api.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const r130429 = { kind: 'error' as const, status: 400, body: metaError(130429, 'Cloud API message throughput has been reached.') };
const r131056 = {
  kind: 'error' as const,
  status: 400,
  body: metaError(131056, 'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.'),
};
const r500 = { kind: 'error' as const, status: 500, body: metaError(131000, 'Something went wrong') };
const r502bare = { kind: 'error' as const, status: 502, body: 'Bad Gateway' };
const r131026 = { kind: 'error' as const, status: 400, body: metaError(131026, 'Message Undeliverable.') };

describe.each(backends())('retries against Graph faults ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const outbox = () =>
    query<{ status: string; attempts: number; error_code: number | null; next_attempt_at: string }>(
      h.services.database.db,
      sql`select status, attempts, error_code, next_attempt_at from outbox order by id`,
    );

  /** Drains, then moves the clock past any backoff, until nothing is open. Returns the backoffs seen. */
  async function settle(): Promise<number[]> {
    const waits: number[] = [];
    for (let i = 0; i < 20; i++) {
      await h.drain();
      const open = (await outbox()).filter((r) => r.status === 'pending');
      if (!open.length) return waits;
      waits.push(new Date(open[0]!.next_attempt_at).getTime() - h.clock.now().getTime());
      h.clock.advance(waits.at(-1)!);
    }
    throw new Error('outbox never settled');
  }

  it('130429 twice, then accepted: sent once, with 4^n backoff', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    graph.inject(r130429, r130429);
    await h.post(textWebhook({ from: '77010000041', body: 'a', at: h.clock.now() }));
    expect(await settle()).toEqual([1000, 4000]);
    expect(graph.sendsTo('77010000041')).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({ status: 'accepted', attempts: 3 });
  });

  it('131056 (pair rate), 5xx with and without a Meta body are retried', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    graph.inject(r131056, r500, r502bare);
    await h.post(textWebhook({ from: '77010000042', body: 'b', at: h.clock.now() }));
    expect(await settle()).toEqual([1000, 4000, 16000]);
    expect(graph.sendsTo('77010000042')).toHaveLength(1);
  });

  it('a timeout is retried', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { WHATSAPP_TIMEOUT_MS: '150' } });
    graph.inject({ kind: 'hang' });
    await h.post(textWebhook({ from: '77010000043', body: 'c', at: h.clock.now() }));
    await settle();
    expect(graph.sendsTo('77010000043')).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({ status: 'accepted', attempts: 2 });
  });

  it('a non-retryable code fails at once with Meta’s code', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    graph.inject(r131026);
    await h.post(textWebhook({ from: '77010000044', body: 'd', at: h.clock.now() }));
    expect(await settle()).toEqual([]);
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 1, error_code: 131026 });
  });

  it('retries are bounded: after OUTBOX_MAX_ATTEMPTS the row fails', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { OUTBOX_MAX_ATTEMPTS: '3' } });
    graph.inject(r130429, r130429, r130429);
    await h.post(textWebhook({ from: '77010000045', body: 'e', at: h.clock.now() }));
    expect(await settle()).toEqual([1000, 4000]);
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 3, error_code: 130429 });
    expect(graph.sendsTo('77010000045')).toHaveLength(0);
  });

  it('a failing head holds the shopper’s later replies back, so order is kept', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    graph.inject(r130429);
    await h.post(textWebhook({ from: '77010000046', body: 'first', at: h.clock.now() }));
    await h.post(textWebhook({ from: '77010000046', body: 'second', at: h.clock.now() }));
    await settle();
    expect(graph.sendsTo('77010000046').map((s) => s.body.text.body)).toEqual(['Эхо: first', 'Эхо: second']);
  });
});
