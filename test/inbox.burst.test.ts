import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { claimBurst, claimInbound } from '../src/inbox/inbox-repo.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('bursts become one turn ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('texts within 1.5 s of each other are answered once, together; a later one on its own', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { TURN_DEBOUNCE_MS: '1500' } });
    const from = '77040000001';
    const send = (body: string) => h.post(textWebhook({ from, body, at: h.clock.now() }));
    await send('привет');
    h.clock.advance(700);
    await send('ищу диван');
    h.clock.advance(700);
    await send('серый');
    await h.drain();
    expect(graph.sendsTo(from)).toHaveLength(0); // still inside the debounce
    h.clock.advance(1600);
    await h.drain();
    expect(graph.sendsTo(from).map((s) => s.body.text.body)).toEqual(['Эхо: привет\nищу диван\nсерый']);
    h.clock.advance(3000);
    await send('до 300 тысяч');
    h.clock.advance(1600);
    await h.drain();
    expect(graph.sendsTo(from).map((s) => s.body.text.body)).toEqual(['Эхо: привет\nищу диван\nсерый', 'Эхо: до 300 тысяч']);
    const rows = await query<{ status: string }>(h.services.database.db, sql`select status from inbox order by id`);
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('a worker dies holding a burst: the next one takes the burst again, in order, with what came after', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { TURN_DEBOUNCE_MS: '1500' } });
    const db = h.services.database.db;
    const from = '77040000003';
    const send = (body: string) => h.post(textWebhook({ from, body, at: h.clock.now() }));
    await send('m0');
    h.clock.advance(100);
    await send('m1');
    h.clock.advance(100);
    await send('m2');
    h.clock.advance(1300);
    // a worker claims m0 with its burst, m1 and m2, and dies before finishing them
    const [head] = await claimInbound(db, { now: h.clock.now(), leaseMs: 60_000, limit: 1, debounceMs: 1500 });
    expect(head!.wamid).toBeTruthy();
    expect((await claimBurst(db, head!, { now: h.clock.now(), gapMs: 1500, max: 10 })).length).toBe(2);
    // m3 comes within the burst's gap while the dead worker's lease runs
    await send('m3');
    h.clock.advance(61_000);
    await h.drain();
    // m1 and m2 are not left behind to be answered after m3
    expect(graph.sendsTo(from).map((s) => s.body.text.body)).toEqual(['Эхо: m0\nm1\nm2\nm3']);
    const rows = await query<{ status: string }>(db, sql`select status from inbox where shopper_key = ${from} order by id`);
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('a tap is not delayed, and it ends a burst', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { TURN_DEBOUNCE_MS: '1500' } });
    const from = '77040000002';
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        {
          from,
          id: 'wamid.b.tap',
          timestamp: ts,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'manager', title: 'Менеджер' } },
        },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo(from).map((s) => s.body.text.body)).toEqual(['Эхо: [interactive manager]']);
  });
});
