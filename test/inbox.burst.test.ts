import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
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
