import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { jobSchedules } from '../src/jobs/jobs.ts';
import { runPriceAlerts } from '../src/jobs/price-alerts.ts';
import { enqueueOutbound } from '../src/outbox/outbox-repo.ts';
import { templateMessage } from '../src/meta-templates/message-templates.ts';
import { metaError } from './fakes/graph-api.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('price alerts and consent ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const start = () => startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ADMIN_TOKEN: 'adm' } });
  const tap = async (from: string, type: 'button_reply' | 'template', id: string, title: string) => {
    const ts = unixSeconds(h.clock.now());
    const msg =
      type === 'template'
        ? { from, id: `wamid.t.${Math.random()}`, timestamp: ts, type: 'button', button: { payload: id, text: title } }
        : { from, id: `wamid.t.${Math.random()}`, timestamp: ts, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } };
    await h.post(messagesWebhook(from, [msg]));
    await h.drain();
  };
  const admin = (path: string, body?: unknown) =>
    h.app.request(path, {
      method: 'POST',
      headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('set an alert, lower the price through the admin API → one price_alert_notification at once; a run of the job → nothing more', async () => {
    h = await start();
    const from = '77060000001';
    await h.post(textWebhook({ from, body: 'привет', at: h.clock.now() }));
    await tap(from, 'button_reply', 'alert:ZT-0002:10', 'Скидка от 10 %');
    const [p] = await query<{ name: string; price: number }>(
      h.services.database.db,
      sql`select name, price::float8 as price from products where id = 'ZT-0002'`,
    );
    const before = graph.sendsTo(from).length;

    const newPrice = Math.floor((p!.price / 100) * 0.85);
    const up = await admin('/admin/api/products', {
      products: [{ id: 'ZT-0002', name: p!.name, price: newPrice, old_price: p!.price / 100, category: 'Диваны', stock: 3 }],
    });
    expect((await up.json()).priceChanges).toBe(1);

    // the catalog write runs the alerts itself: the shopper is not kept waiting for the cron
    await h.drain();
    const sent = graph.sendsTo(from).slice(before);
    expect(sent).toHaveLength(1);
    const fmt = (n: number) => `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')}\u00a0₸`;
    expect(sent[0]!.body.template).toEqual({
      name: 'price_alert_notification',
      language: { code: 'ru' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'product_name', text: p!.name },
            { type: 'text', parameter_name: 'new_price', text: fmt(newPrice) },
            { type: 'text', parameter_name: 'old_price', text: fmt(p!.price / 100) },
          ],
        },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'product:ZT-0002' }] },
        { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'manager' }] },
      ],
    });

    expect(await (await admin('/admin/api/jobs/price-alerts/run')).json()).toMatchObject({ ran: true, counts: { due: 0, triggered: 0, enqueued: 0 } });
    await h.drain();
    expect(graph.sendsTo(from).slice(before)).toHaveLength(1);

    // the template's "Показать товар" opens the card
    await tap(from, 'template', 'product:ZT-0002', 'Показать товар');
    expect(
      graph
        .sendsTo(from)
        .at(-1)!
        .body.interactive.action.buttons.map((b: any) => b.reply.id),
    ).toEqual(['cart+:ZT-0002', 'alert:ZT-0002', 'similar:ZT-0002']);
  });

  it('two concurrent runs and a retried send still alert exactly once', async () => {
    h = await start();
    const db = h.services.database.db;
    await h.post(textWebhook({ from: '77060000002', body: 'привет', at: h.clock.now() }));
    await tap('77060000002', 'button_reply', 'alert:ZT-0003:any', 'Любое снижение');
    await db.execute(sql`update products set price = price - 100000 where id = 'ZT-0003'`);
    graph.inject({ kind: 'error', status: 500, body: metaError(131000, 'Something went wrong') });
    const opts = { db, now: h.clock.now(), templates: h.services.templates.current(), defaultLanguage: 'ru' as const };
    const [a, b] = await Promise.all([runPriceAlerts(opts), runPriceAlerts(opts)]);
    expect(a.triggered + b.triggered).toBe(1);
    for (let i = 0; i < 5; i++) {
      await h.drain();
      h.clock.advance(60_000);
    }
    expect(graph.sendsTo('77060000002').filter((s) => s.body.type === 'template')).toHaveLength(1);
    const rows = await query<{ n: number }>(db, sql`select count(*)::int as n from outbox where dedupe_key like 'alert:%'`);
    expect(rows[0]!.n).toBe(1);
  });

  it('СТОП stops marketing at send time, confirmed in the shopper’s language; START resumes', async () => {
    h = await start();
    const from = '77060000003';
    const db = h.services.database.db;
    const t = h.services.templates.current().get('new_arrivals_notification')!;
    const marketing = (n: number) =>
      enqueueOutbound(
        db,
        [{ dedupeKey: `na:${n}`, shopperKey: from, message: templateMessage(t, 'ru', { customer_name: 'Айгерим', category: 'диваны' }) }],
        h.clock.now(),
      );
    await h.post(textWebhook({ from, body: 'СТОП', at: h.clock.now() }));
    await h.drain();
    expect(graph.sendsTo(from).at(-1)!.body.text.body).toMatch(/^Готово, больше не буду присылать рекламные сообщения/);
    await marketing(1);
    await h.drain();
    expect(graph.sendsTo(from).filter((s) => s.body.type === 'template')).toHaveLength(0);
    const [row] = await query<{ status: string; error_detail: string }>(db, sql`select status, error_detail from outbox where dedupe_key = 'na:1'`);
    expect(row).toEqual({ status: 'failed', error_detail: 'shopper opted out of marketing messages' });
    // utility messages still go out
    await h.post(textWebhook({ from, body: 'START', at: h.clock.now() }));
    await h.drain();
    expect(graph.sendsTo(from).at(-1)!.body.text.body).toBe("Done, I'll tell you about new arrivals again. To stop, reply STOP.");
    await marketing(2);
    await h.drain();
    expect(graph.sendsTo(from).filter((s) => s.body.type === 'template')).toHaveLength(1);
  });

  it('Meta’s 131050 marks the shopper opted out; a template Meta did not approve is refused with a clear reason', async () => {
    h = await start();
    const from = '77060000004';
    const db = h.services.database.db;
    await h.post(textWebhook({ from, body: 'привет', at: h.clock.now() }));
    await h.drain();
    const t = h.services.templates.current().get('new_arrivals_notification')!;
    graph.inject({
      kind: 'error',
      status: 400,
      body: metaError(131050, 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.'),
    });
    await enqueueOutbound(
      db,
      [{ dedupeKey: 'na:x', shopperKey: from, message: templateMessage(t, 'ru', { customer_name: 'A', category: 'b' }) }],
      h.clock.now(),
    );
    await h.drain();
    const [s] = await query<{ out: string | null }>(db, sql`select marketing_opt_out_at::text as out from shoppers where key = ${from}`);
    expect(s!.out).not.toBeNull();

    await db.execute(sql`insert into templates (name, language, status, updated_at) values ('back_in_stock', 'ru', 'REJECTED', now())`);
    const b = h.services.templates.current().get('back_in_stock')!;
    await enqueueOutbound(
      db,
      [{ dedupeKey: 'bis:x', shopperKey: from, message: templateMessage(b, 'ru', { product_name: 'X', price: '1 ₸' }) }],
      h.clock.now(),
    );
    await h.drain();
    const [r] = await query<{ error_detail: string }>(db, sql`select error_detail from outbox where dedupe_key = 'bis:x'`);
    expect(r!.error_detail).toBe('template back_in_stock (ru) is REJECTED, not APPROVED');
  });
});

describe.each(backends())('back in stock and new arrivals ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());
  const admin = (path: string, body?: unknown) =>
    h.app.request(path, {
      method: 'POST',
      headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('an alert set on an out-of-stock product fires back_in_stock once when stock returns', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ADMIN_TOKEN: 'adm' } });
    const from = '77060000010';
    const db = h.services.database.db;
    await db.execute(sql`update products set stock = 0 where id = 'ZT-0005'`);
    await h.post(textWebhook({ from, body: 'привет', at: h.clock.now() }));
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        {
          from,
          id: 'wamid.bis.1',
          timestamp: ts,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'alert:ZT-0005:any', title: 'Любое снижение' } },
        },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo(from).at(-1)!.body.text.body).toMatch(/сейчас нет в наличии — сообщу, как только появится\.$/);
    expect((await (await admin('/admin/api/jobs/price-alerts/run')).json()).counts).toMatchObject({ triggered: 0, backInStock: 0 });
    await db.execute(sql`update products set stock = 4 where id = 'ZT-0005'`);
    expect((await (await admin('/admin/api/jobs/price-alerts/run')).json()).counts).toMatchObject({ backInStock: 1 });
    expect((await (await admin('/admin/api/jobs/price-alerts/run')).json()).counts).toMatchObject({ backInStock: 0 });
    await h.drain();
    const templates = graph.sendsTo(from).filter((x) => x.body.type === 'template');
    expect(templates.map((x) => x.body.template.name)).toEqual(['back_in_stock']);
    expect(templates[0]!.body.template.components[0].parameters[0]).toMatchObject({ parameter_name: 'product_name' });
  });

  it('new arrivals: quiet, opted-in shoppers with new products in their categories, at most once a week', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ADMIN_TOKEN: 'adm' } });
    for (const [from, body] of [
      ['77060000011', 'покажи кресла'],
      ['77060000012', 'покажи кресла'],
      ['77060000013', 'покажи кресла'],
    ]) {
      await h.post(textWebhook({ from: from!, body: body!, at: h.clock.now() }));
    }
    await h.post(textWebhook({ from: '77060000012', body: 'СТОП', at: h.clock.now() }));
    await h.drain();
    h.clock.advance(8 * 24 * 3600 * 1000);
    await h.post(textWebhook({ from: '77060000013', body: 'привет', at: h.clock.now() }));
    await h.drain();
    await admin('/admin/api/products', {
      products: [{ id: 'NEW-1', name: 'Кресло «Новинка» зелёное', category: 'Кресла', color: 'зелёный', price: 99990, stock: 2 }],
    });
    expect(await (await admin('/admin/api/jobs/new-arrivals/run')).json()).toEqual({ job: 'new-arrivals', ran: true, counts: { candidates: 1, enqueued: 1 } });
    expect((await (await admin('/admin/api/jobs/new-arrivals/run')).json()).counts).toEqual({ candidates: 1, enqueued: 0 });
    await h.drain();
    const got = (from: string) =>
      graph
        .sendsTo(from)
        .filter((x) => x.body.type === 'template')
        .map((x) => x.body.template);
    expect(got('77060000011')).toEqual([
      {
        name: 'new_arrivals_notification',
        language: { code: 'ru' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', parameter_name: 'customer_name', text: 'Test Shopper' },
              { type: 'text', parameter_name: 'category', text: 'кресла' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'arrivals:Кресла' }] },
          { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'unsubscribe' }] },
        ],
      },
    ]);
    expect(got('77060000012')).toEqual([]);
    expect(got('77060000013')).toEqual([]);
  });
});

describe('jobs from the CLI', () => {
  it('vitrina jobs run price-alerts prints what it did as JSON', async () => {
    const { execFile } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const env = { ...process.env, DATA_DIR: join(mkdtempSync(join(tmpdir(), 'vt-jobs-')), 'd') };
    const cli = (...args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['bin/vitrina.js', ...args], { env }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
    await cli('migrate');
    const out = await cli('jobs', 'run', 'price-alerts');
    expect(JSON.parse(out)).toEqual({ job: 'price-alerts', ran: true, counts: { due: 0, triggered: 0, enqueued: 0, backInStock: 0 } });
  });
});

describe('job schedules', () => {
  it('a bad cron expression stops start-up naming its variable', () => {
    const carts = { ABANDONED_CART_CRON: '*/15 * * * *', META_CATALOG_CRON: '30 * * * *', ANALYTICS_CRON: '*/5 * * * *' };
    expect(() => jobSchedules({ ...carts, PRICE_ALERT_CRON: 'every hour', NEW_ARRIVALS_CRON: '0 11 * * 1' })).toThrow(
      'PRICE_ALERT_CRON: "every hour" is not a cron expression',
    );
    expect(() => jobSchedules({ ...carts, PRICE_ALERT_CRON: '0 * * * *', NEW_ARRIVALS_CRON: '61 * * * *' })).toThrow('NEW_ARRIVALS_CRON');
    expect(() => jobSchedules({ ...carts, ABANDONED_CART_CRON: 'soon', PRICE_ALERT_CRON: '0 * * * *', NEW_ARRIVALS_CRON: '0 11 * * 1' })).toThrow(
      'ABANDONED_CART_CRON',
    );
    expect(jobSchedules({ ...carts, PRICE_ALERT_CRON: '*/15 * * * *', NEW_ARRIVALS_CRON: '0 11 * * 1' })).toEqual([
      { name: 'abandoned-carts', cron: '*/15 * * * *' },
      { name: 'price-alerts', cron: '*/15 * * * *' },
      { name: 'analytics', cron: '*/5 * * * *' },
      { name: 'new-arrivals', cron: '0 11 * * 1' },
    ]);
    expect(() => jobSchedules({ ...carts, ANALYTICS_CRON: 'often', PRICE_ALERT_CRON: '0 * * * *', NEW_ARRIVALS_CRON: '0 11 * * 1' })).toThrow('ANALYTICS_CRON');
    // the Meta catalog job runs only for a store that has one
    expect(
      jobSchedules({ ...carts, WHATSAPP_CATALOG_ID: '194836987003835', PRICE_ALERT_CRON: '0 * * * *', NEW_ARRIVALS_CRON: '0 11 * * 1' }).map((j) => j.name),
    ).toContain('meta-catalog');
  });
});
