import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { enqueueOutbound } from '../src/outbox/outbox-repo.ts';
import * as wa from '../src/whatsapp/messages.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, statusWebhook, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

const HOUR = 3600_000;
const fallback = wa.template({ name: 'price_alert_notification', language: 'ru', body: { product_name: 'Диван Лофт' } });

describe.each(backends())('the 24-hour customer service window ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  async function shopperLastSeen(from: string, hoursAgo: number) {
    h = await startHarness({ backend, graphUrl: graph.url });
    await h.post(textWebhook({ from, body: 'hi', at: new Date(h.clock.now().getTime() - hoursAgo * HOUR) }));
    await h.services.inbox.pump.drain();
    await h.services.sender.pump.drain();
  }
  const outbox = (key: string) =>
    query<{ status: string; error_code: number | null; error_detail: string | null; payload: any }>(
      h.services.database.db,
      sql`select status, error_code, error_detail, payload from outbox where dedupe_key = ${key}`,
    );

  it('a free-form message inside the window is sent as is', async () => {
    await shopperLastSeen('77010000031', 23);
    await enqueueOutbound(
      h.services.database.db,
      [{ dedupeKey: 'w1', shopperKey: '77010000031', message: wa.text('новинки'), fallbackTemplate: fallback }],
      h.clock.now(),
    );
    await h.drain();
    expect(graph.sendsTo('77010000031').at(-1)!.body.text).toEqual({ body: 'новинки' });
  });

  it('outside the window it goes out as the named template', async () => {
    await shopperLastSeen('77010000032', 25);
    expect(graph.sendsTo('77010000032')).toEqual([]); // the echo itself was outside the window
    await enqueueOutbound(
      h.services.database.db,
      [{ dedupeKey: 'w2', shopperKey: '77010000032', message: wa.text('новинки'), fallbackTemplate: fallback }],
      h.clock.now(),
    );
    await h.drain();
    const sent = graph.sendsTo('77010000032');
    expect(sent.map((s) => s.body.type)).toEqual(['template']);
    expect(sent[0]!.body.template).toEqual({
      name: 'price_alert_notification',
      language: { code: 'ru' },
      components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'product_name', text: 'Диван Лофт' }] }],
    });
    expect((await outbox('w2'))[0]).toMatchObject({ status: 'accepted', error_detail: 'sent as template: outside the 24-hour customer service window' });
  });

  it('outside the window without a template it fails with a clear reason and nothing is sent', async () => {
    await shopperLastSeen('77010000033', 30);
    await enqueueOutbound(h.services.database.db, [{ dedupeKey: 'w3', shopperKey: '77010000033', message: wa.text('новинки') }], h.clock.now());
    await h.drain();
    expect(graph.sendsTo('77010000033')).toEqual([]);
    expect((await outbox('w3'))[0]).toMatchObject({
      status: 'failed',
      error_code: 131047,
      error_detail: 'outside the 24-hour customer service window and no template was given',
    });
  });

  it('a late failed 131047 is recorded the same way and its template goes out once', async () => {
    await shopperLastSeen('77010000034', 1);
    await enqueueOutbound(
      h.services.database.db,
      [{ dedupeKey: 'w4', shopperKey: '77010000034', message: wa.text('новинки'), fallbackTemplate: fallback }],
      h.clock.now(),
    );
    await h.drain();
    const wamid = graph.sendsTo('77010000034').at(-1)!.wamid;
    const failed = statusWebhook([
      {
        id: wamid,
        status: 'failed',
        timestamp: unixSeconds(),
        recipient_id: '77010000034',
        errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'more than 24 hours' } }],
      },
    ]);
    await h.post(failed);
    await h.post(failed);
    await h.drain();
    expect((await outbox('w4'))[0]).toMatchObject({
      status: 'failed',
      error_code: 131047,
      error_detail: 'outside the 24-hour customer service window; sent again as template',
    });
    expect(graph.sendsTo('77010000034').map((s) => s.body.type)).toEqual(['text', 'text', 'template']);
    expect((await outbox('w4:template'))[0]).toMatchObject({ status: 'accepted' });
  });
});
