import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('at-least-once delivery from Meta ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('one POST delivered three times gets exactly one reply', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    const body = textWebhook({ from: '77010000011', body: 'диван', wamid: 'wamid.dup.1' });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.post(body);
      answers.push([res.status, (await res.json()).inserted]);
    }
    expect(answers).toEqual([
      [200, 1],
      [200, 0],
      [200, 0],
    ]);
    await h.drain();
    // the same POST again after it was answered
    await h.post(body);
    await h.drain();
    const sent = graph.sendsTo('77010000011');
    expect(sent.map((s) => s.body.text?.body)).toEqual(['Эхо: диван']);
    expect(sent[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+77010000011',
      type: 'text',
      text: { body: 'Эхо: диван' },
      biz_opaque_callback_data: expect.stringMatching(/^vt:\d+$/),
    });
    expect(graph.reads.filter((r) => r.message_id === 'wamid.dup.1')).toEqual([
      { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.dup.1', typing_indicator: { type: 'text' } },
    ]);
  });

  it('a POST with several messages (one repeated inside it) stores each once, in order', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    const ts = unixSeconds();
    const msg = (id: string, body: string) => ({ from: '77010000012', id, timestamp: ts, type: 'text', text: { body } });
    // wamids deliberately sort against arrival order: arrival order must win
    const res = await h.post(
      messagesWebhook('77010000012', [msg('wamid.m.3', 'один'), msg('wamid.m.2', 'два'), msg('wamid.m.3', 'один'), msg('wamid.m.1', 'три')]),
    );
    expect((await res.json()).inserted).toBe(3);
    await h.drain();
    expect(graph.sendsTo('77010000012').map((s) => s.body.text.body)).toEqual(['Эхо: один', 'Эхо: два', 'Эхо: три']);
  });

  it('status webhooks never start a bot turn', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    const before = graph.sends.length;
    const ts = unixSeconds();
    await h.post({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: { messaging_product: 'whatsapp', statuses: [{ id: 'wamid.unknown', status: 'delivered', timestamp: ts, recipient_id: '77010000013' }] },
            },
          ],
        },
      ],
    });
    await h.drain();
    expect(graph.sends.length).toBe(before);
    const inbox = await query<{ n: number }>(h.services.database.db, sql`select count(*)::int as n from inbox`);
    expect(inbox[0]!.n).toBe(0);
  });

  it('a username-only shopper is answered with `recipient`, and keeps one key when the phone appears later', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    const ts = unixSeconds();
    const bsuid = 'US.13491208655302741918';
    const first = messagesWebhook('x', [{ from_user_id: bsuid, id: 'wamid.u.1', timestamp: ts, type: 'text', text: { body: 'привет' } }]);
    first.entry[0]!.changes[0]!.value.contacts = [{ profile: { name: 'Sheena' }, user_id: bsuid } as never];
    await h.post(first);
    await h.drain();
    expect(graph.sends.filter((s) => s.body.recipient === bsuid).map((s) => s.body)).toEqual([
      expect.objectContaining({ recipient: bsuid, type: 'text', text: { body: 'Эхо: привет' } }),
    ]);
    expect(graph.sends.find((s) => s.body.recipient === bsuid)!.body.to).toBeUndefined();

    const second = messagesWebhook('77010000014', [
      { from: '77010000014', from_user_id: bsuid, id: 'wamid.u.2', timestamp: ts, type: 'text', text: { body: 'это я' } },
    ]);
    second.entry[0]!.changes[0]!.value.contacts = [{ profile: { name: 'Sheena' }, wa_id: '77010000014', user_id: bsuid } as never];
    await h.post(second);
    await h.drain();
    const shoppers = await query<{ key: string; wa_id: string; user_id: string }>(h.services.database.db, sql`select key, wa_id, user_id from shoppers`);
    expect(shoppers).toEqual([{ key: bsuid, wa_id: '77010000014', user_id: bsuid }]);
    expect(graph.sendsTo('77010000014').map((s) => s.body.text.body)).toEqual(['Эхо: это я']);
  });
});
