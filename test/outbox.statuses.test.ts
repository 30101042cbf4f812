import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, statusWebhook, textWebhook, type Harness } from './helpers/harness.ts';

const row = async (h: Harness) =>
  (
    await query<{ status: string; error_code: number | null; wamid: string }>(
      h.services.database.db,
      sql`select status, error_code, wamid from outbox order by id limit 1`,
    )
  )[0]!;

describe.each(backends())('status webhooks out of order ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  async function oneReply(from: string): Promise<string> {
    h = await startHarness({ backend, graphUrl: graph.url });
    await h.post(textWebhook({ from, body: 'hi' }));
    await h.drain();
    return graph.sendsTo(from)[0]!.wamid;
  }
  const ts = (s: number) => String(Math.floor(Date.now() / 1000) + s);

  it('read, then sent, then delivered → read; duplicates ignored', async () => {
    const wamid = await oneReply('77010000021');
    expect((await row(h)).status).toBe('accepted');
    await h.post(statusWebhook([{ id: wamid, status: 'read', timestamp: ts(3), recipient_id: '77010000021' }]));
    await h.post(statusWebhook([{ id: wamid, status: 'sent', timestamp: ts(1), recipient_id: '77010000021' }]));
    await h.post(statusWebhook([{ id: wamid, status: 'delivered', timestamp: ts(2), recipient_id: '77010000021' }]));
    await h.post(statusWebhook([{ id: wamid, status: 'read', timestamp: ts(3), recipient_id: '77010000021' }]));
    expect(await row(h)).toMatchObject({ status: 'read', wamid });
    const st = await query<{ n: number }>(h.services.database.db, sql`select count(*)::int as n from message_statuses where wamid = ${wamid}`);
    expect(st[0]!.n).toBe(3);
  });

  it('failed is final and keeps Meta’s code, even if delivered arrives after it', async () => {
    const wamid = await oneReply('77010000022');
    await h.post(
      statusWebhook([
        {
          id: wamid,
          status: 'failed',
          timestamp: ts(1),
          recipient_id: '77010000022',
          errors: [{ code: 131026, title: 'Message Undeliverable', error_data: { details: 'Message Undeliverable.' } }],
        },
      ]),
    );
    await h.post(statusWebhook([{ id: wamid, status: 'delivered', timestamp: ts(2), recipient_id: '77010000022' }]));
    expect(await row(h)).toMatchObject({ status: 'failed', error_code: 131026 });
  });

  it('a status that arrives before the send answer is applied when the wamid is stored', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    // The status for a wamid we do not know yet is kept…
    const early = 'wamid.early.1';
    await h.post(statusWebhook([{ id: early, status: 'delivered', timestamp: ts(1), recipient_id: '77010000023' }]));
    // …and applied once a send stores that wamid.
    const { markAccepted, claimOutbound } = await import('../src/outbox/outbox-repo.ts');
    const db = h.services.database.db;
    await h.post(textWebhook({ from: '77010000023', body: 'x' }));
    await h.services.inbox.pump.drain();
    const [claimed] = await claimOutbound(db, { now: h.clock.now(), leaseMs: 60_000, limit: 1 });
    await markAccepted(db, claimed!, early, h.clock.now());
    expect(await row(h)).toMatchObject({ status: 'delivered', wamid: early });
  });

  it('a send left in flight by a dead process waits a lease of this one’s uptime for its status webhook, then goes out once', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { OUTBOX_LEASE_SECONDS: '60' } });
    const { claimOutbound, callbackDataFor } = await import('../src/outbox/outbox-repo.ts');
    const db = h.services.database.db;
    await h.post(textWebhook({ from: '77010000024', body: 'a' }));
    await h.post(textWebhook({ from: '77010000025', body: 'b' }));
    await h.services.inbox.pump.drain();
    // a process that died mid-send claimed both rows with a short lease, long run out now
    const dead = await claimOutbound(db, { now: h.clock.now(), leaseMs: 1000, limit: 2 });
    expect(dead).toHaveLength(2);
    h.clock.advance(30_000);
    expect(await h.services.sender.pump.drain()).toBe(0);
    // Meta had taken the first one: its status webhook settles it
    await h.post(
      statusWebhook([
        { id: 'wamid.dead.1', status: 'sent', timestamp: ts(1), recipient_id: '77010000024', biz_opaque_callback_data: callbackDataFor(dead[0]!.id) },
      ]),
    );
    h.clock.advance(30_000);
    expect(await h.services.sender.pump.drain()).toBe(1);
    expect(graph.sendsTo('77010000024')).toHaveLength(0);
    expect(graph.sendsTo('77010000025')).toHaveLength(1);
  });
});
