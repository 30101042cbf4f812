import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bucketMs } from '../src/analytics/daily-rollup.ts';
import { percentile } from '../src/analytics/analytics-report.ts';
import { accounts } from '../src/console/manager-accounts.ts';
import { query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const MANAGER = '77000000009';
const T = (iso: string) => new Date(iso);
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('percentiles and time buckets', () => {
  it('nearest rank over buckets; two significant figures', () => {
    expect([45, 99.6, 100, 1234, 2540, 9960, 210_000, 3_649_999].map(bucketMs)).toEqual([45, 100, 100, 1200, 2500, 10_000, 210_000, 3_600_000]);
    const h = new Map([
      [800, 1],
      [1000, 1],
      [1200, 2],
      [2500, 1],
      [3100, 1],
      [15_000, 1],
    ]);
    expect(percentile(h, 0.5)).toBe(1200); // 4th of 7
    expect(percentile(h, 0.95)).toBe(15_000); // 7th of 7
    expect(percentile(new Map(), 0.5)).toBeNull();
  });
});

/**
 * Two days of a small store in Almaty (UTC+5), written as the service records them, and every
 * number of the report counted by hand (comments give the sums).
 */
describe.each(backends())('the analytics report against a hand-counted fixture ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  it('messages, delivery by template and error, answers p50/p95, hand-offs per manager, the funnel, consent, model and WhatsApp costs', async () => {
    h = await startHarness({ backend, env: { TZ: 'Asia/Almaty', CURRENCY: 'KZT', MANAGER_PHONES: MANAGER, ADMIN_TOKEN: 'adm' } });
    const db = h.services.database.db;
    let n = 0;
    const idOf = async (wamid: string) => Number((await query<{ id: number }>(db, sql`select id from inbox where wamid = ${wamid}`))[0]!.id);
    const out = async (o: {
      key: string;
      to: string;
      at: string;
      status: string;
      inbox?: number;
      acceptedMs?: number;
      template?: string;
      code?: number;
      wamid?: string;
    }) =>
      db.execute(
        sql`insert into outbox (dedupe_key, shopper_key, inbox_id, payload, status, next_attempt_at, wamid, error_code, accepted_at, created_at, updated_at)
        values (${o.key}, ${o.to}, ${o.inbox ?? null}, ${JSON.stringify(o.template ? { type: 'template', template: { name: o.template, language: { code: 'ru' } } } : { type: 'text', text: { body: '…' } })}::jsonb,
          ${o.status}, ${o.at}::timestamptz, ${o.wamid ?? null}, ${o.code ?? null}, ${o.acceptedMs === undefined ? null : plus(o.at, o.acceptedMs)}::timestamptz, ${o.at}::timestamptz, ${o.at}::timestamptz)`,
      );
    const event = (kind: string, at: string, data: Record<string, unknown> = {}, shopper = 's1') =>
      db.execute(
        sql`insert into analytics_events (dedupe_key, shopper_key, kind, data, at) values (${`e${++n}`}, ${shopper}, ${kind}, ${JSON.stringify(data)}::jsonb, ${at}::timestamptz)`,
      );

    // ── 2 November (local) ──
    const rows: Array<[string, string, string, Record<string, unknown>?]> = [
      ['s1', 'text', '2026-11-02T05:00:00.000Z'], // i1: answered in 1 200 ms
      ['s1', 'audio', '2026-11-02T05:10:00.000Z'], // i2: 2 540 ms → 2 500
      ['s2', 'image', '2026-11-02T06:00:00.000Z'], // i3: two replies, the first at 800 ms counts
      ['s2', 'text', '2026-11-02T07:00:00.000Z'], // i4: 3 100 ms (the reply then failed: still answered)
      ['s3', 'text', '2026-11-02T08:00:00.000Z'], // i5: never answered
      ['s3', 'reaction', '2026-11-02T08:01:00.000Z'], // i6: not expected to be answered
      ['s3', 'text', '2026-11-02T09:00:00.000Z'], // i7: relayed to the manager: a person answers it
      [MANAGER, 'text', '2026-11-02T09:05:00.000Z'], // i8: the manager's own message: not shopper traffic
      ['s1', 'button', '2026-11-02T10:00:00.000Z', { context: { from: 'biz', id: 'wamid.t1' }, button: { payload: 'x', text: 'Показать товар' } }], // i9: a tap on the price alert t1; 1 000 ms
      // ── 3 November (local) ──
      ['s1', 'text', '2026-11-03T04:00:00.000Z'], // i10: 15 000 ms
      ['s2', 'text', '2026-11-02T19:30:00.000Z'], // i11: 00:30 on the 3rd in Almaty; 1 200 ms
      ['s2', 'text', '2026-11-03T19:00:00.000Z'], // i12: midnight of the 4th: outside the period
    ];
    for (const [who, type, at, extra] of rows) {
      await db.execute(
        sql`insert into inbox (wamid, shopper_key, type, message, status, message_at, received_at)
        values (${`in${++n}`}, ${who}, ${type}, ${JSON.stringify({ from: who, type, ...(extra ?? {}) })}::jsonb, 'done', ${at}::timestamptz, ${at}::timestamptz)`,
      );
    }
    const i = async (k: number) => idOf(`in${k}`);
    await out({ key: 'r1', to: 's1', inbox: await i(1), at: '2026-11-02T05:00:00.100Z', acceptedMs: 1100, status: 'read' });
    await out({ key: 'r2', to: 's1', inbox: await i(2), at: '2026-11-02T05:10:00.100Z', acceptedMs: 2440, status: 'delivered' });
    await out({ key: 'r3', to: 's2', inbox: await i(3), at: '2026-11-02T06:00:00.000Z', acceptedMs: 800, status: 'delivered' });
    await out({ key: 'r3b', to: 's2', inbox: await i(3), at: '2026-11-02T06:00:00.000Z', acceptedMs: 5000, status: 'sent' });
    await out({ key: 'r4', to: 's2', inbox: await i(4), at: '2026-11-02T07:00:00.000Z', acceptedMs: 3100, status: 'failed', code: 131026 });
    await out({ key: 'r7', to: MANAGER, inbox: await i(7), at: '2026-11-02T09:00:00.000Z', acceptedMs: 300, status: 'delivered' });
    await out({ key: 'r9', to: 's1', inbox: await i(9), at: '2026-11-02T10:00:00.000Z', acceptedMs: 1000, status: 'read' });
    await out({ key: 'r10', to: 's1', inbox: await i(10), at: '2026-11-03T04:00:00.000Z', acceptedMs: 15_000, status: 'delivered' });
    await out({ key: 'r11', to: 's2', inbox: await i(11), at: '2026-11-02T19:30:00.000Z', acceptedMs: 1200, status: 'accepted' });
    // templates the jobs sent on the 2nd; order_shipped still pending (not sent)
    await out({
      key: 'alert:1:50000',
      to: 's1',
      at: '2026-11-02T03:00:00Z',
      status: 'delivered',
      template: 'price_alert_notification',
      wamid: 'wamid.t1',
      acceptedMs: 200,
    });
    await out({
      key: 'alert:2:60000',
      to: 's2',
      at: '2026-11-02T03:00:00Z',
      status: 'read',
      template: 'price_alert_notification',
      wamid: 'wamid.t2',
      acceptedMs: 200,
    });
    await out({ key: 'arrivals:s3:w45', to: 's3', at: '2026-11-02T04:00:00Z', status: 'failed', template: 'new_arrivals', code: 131049, acceptedMs: 200 });
    await out({ key: 'arrivals:s1:w45', to: 's1', at: '2026-11-02T04:00:00Z', status: 'delivered', template: 'new_arrivals', acceptedMs: 200 });
    await out({ key: 'order:1:shipped', to: 's1', at: '2026-11-02T04:00:00Z', status: 'pending', template: 'order_shipped' });
    // Meta charged t2 as marketing in Kazakhstan (rates.yaml: 0.0860 from 2026-10-01)
    await db.execute(
      sql`insert into message_pricing (wamid, recipient, category, type, model, billable, at) values ('wamid.t2', '77011110002', 'marketing', 'regular', 'PMP', true, '2026-11-02T03:00:05Z')`,
    );

    for (const k of ['search', 'search', 'search', 'product_view', 'product_view', 'alert_set', 'recommendation_tap', 'opt_out'])
      await event(k, '2026-11-02T06:30:00Z');
    await event('cart_add', '2026-11-02T06:31:00Z', { product: 'a' }, 's1');
    await event('cart_add', '2026-11-02T06:32:00Z', { product: 'b' }, 's1'); // the same shopper: one cart that day
    await event('model_usage', '2026-11-02T06:33:00Z', { model: 'gpt-4o-mini', calls: 2, promptTokens: 1000, completionTokens: 200 });
    await event('model_usage', '2026-11-02T06:34:00Z', { model: 'unknown-model', calls: 1, promptTokens: 500, completionTokens: 50 });
    await event('model_usage', '2026-11-02T06:35:00Z', { model: 'whisper-1', calls: 1, seconds: 70 });
    await event('model_usage', '2026-11-03T06:35:00Z', { model: 'whisper-1', calls: 1, seconds: 20 });
    await event('search', '2026-11-03T04:00:00Z');
    await event('cart_add', '2026-11-03T04:01:00Z', { product: 'c' }, 's2');
    await db.execute(sql`insert into price_alerts (shopper_key, product_id, kind, base_price, target_price, status, created_at, triggered_at) values
      ('s1', 'a', 'any', 100, 99, 'triggered', '2026-11-01T00:00:00Z', '2026-11-02T03:00:00Z'),
      ('s2', 'b', 'stock', 100, 100, 'triggered', '2026-11-01T00:00:00Z', '2026-11-03T03:00:00Z')`);
    await db.execute(sql`insert into orders (number, source_key, shopper_key, fulfilment, customer_name, total, currency, language, invoice_token, created_at, updated_at)
      values ('A-1', 'src1', 's2', 'pickup', 'Дана', 12345600, 'KZT', 'ru', 'tok1', '2026-11-03T05:00:00Z', '2026-11-03T05:00:00Z')`);

    // hand-offs: e1 taken by the WhatsApp manager, first reply after 3.5 min, closed after an hour;
    // e2 taken in the console by aigerim, first reply after 65 s; e3 never taken
    await db.execute(sql`insert into escalations (id, shopper_key, reason, status, taken_by, taken_at, closed_at, created_at, updated_at) values
      (1, 's3', 'manager', 'closed', ${MANAGER}, '2026-11-02T09:02:00Z', '2026-11-02T10:00:00Z', '2026-11-02T09:00:00Z', now()),
      (2, 's2', 'manager', 'taken', 'aigerim', '2026-11-03T05:01:00Z', null, '2026-11-03T05:00:00Z', now()),
      (3, 's1', 'manager', 'open', null, null, null, '2026-11-03T06:00:00Z', now())`);
    await event('manager_reply', '2026-11-02T09:03:30Z', { escalation: 1, by: MANAGER }, MANAGER);
    await event('manager_reply', '2026-11-02T09:10:00Z', { escalation: 1, by: MANAGER }, MANAGER);
    await event('manager_reply', '2026-11-03T05:01:05Z', { escalation: 2, by: 'aigerim' }, 's2');
    const now = T('2026-11-04T06:00:00Z');
    h.clock.advance(now.getTime() - h.clock.now().getTime());
    await accounts.create(db, { login: 'aigerim', name: 'Айгерим', password: 'correct horse battery' }, now);
    await accounts.create(db, { login: 'erlan', name: 'Ерлан', phone: `+${MANAGER}`, password: 'correct horse battery' }, now);

    // the job builds the roll-up (first run: from the first day anything happened to today)
    const run = await (await h.app.request('/admin/api/jobs/analytics/run', { method: 'POST', headers: { authorization: 'Bearer adm' } })).json();
    expect(run).toMatchObject({ job: 'analytics', ran: true, counts: { days: 3 } }); // the 2nd, 3rd and 4th
    const res = await h.app.request('/admin/api/analytics?from=2026-11-02&to=2026-11-03', { headers: { authorization: 'Bearer adm' } });
    expect(res.status).toBe(200);
    const r = await res.json();

    expect(r).toMatchObject({ from: '2026-11-02', to: '2026-11-03', timeZone: 'Asia/Almaty', currency: 'KZT', asOf: now.toISOString() });
    // in: i1–i7, i9 on the 2nd (8), i10, i11 on the 3rd; i8 is the manager's, i12 the 4th
    expect(r.messages).toEqual({ in: 10, out: 13, voiceNotes: 1, photos: 1, byType: { audio: 1, button: 1, image: 1, reaction: 1, text: 6 } });
    // sent: 9 replies and relays + 4 templates; delivered or read 9; read 3 (r1, r9, t2); failed 2 (r4, new_arrivals 131049)
    expect(r.delivery).toEqual({ sent: 13, delivered: 9, read: 3, failed: 2, deliveryRate: 0.6923, readRate: 0.2308, failureRate: 0.1538 });
    expect(r.errors).toEqual([
      { code: '131026', count: 1 },
      { code: '131049', count: 1 },
    ]);
    expect(r.templates).toEqual([
      { template: 'new_arrivals', sent: 2, delivered: 1, read: 0, failed: 1, taps: 0, deliveryRate: 0.5, readRate: 0, failureRate: 0.5 },
      { template: 'price_alert_notification', sent: 2, delivered: 2, read: 1, failed: 0, taps: 1, deliveryRate: 1, readRate: 0.5, failureRate: 0 },
    ]);
    // expected: i1–i5, i9, i10, i11 (8); answered all but i5 (7): 800, 1000, 1200, 1200, 2500, 3100, 15000
    expect(r.answers).toEqual({ expected: 8, answered: 7, responseRate: 0.875, p50Ms: 1200, p95Ms: 15_000 });
    expect(r.handoffs).toEqual({
      opened: 3,
      taken: 2,
      closed: 1,
      replies: 3,
      firstResponseP50Ms: 65_000,
      firstResponseP95Ms: 210_000,
      resolutionP50Ms: 3_600_000,
      resolutionP95Ms: 3_600_000,
      managers: [
        {
          manager: MANAGER,
          name: 'Ерлан',
          taken: 1,
          replies: 2,
          closed: 1,
          firstResponseP50Ms: 210_000,
          firstResponseP95Ms: 210_000,
          resolutionP50Ms: 3_600_000,
        },
        { manager: 'aigerim', name: 'Айгерим', taken: 1, replies: 1, closed: 0, firstResponseP50Ms: 65_000, firstResponseP95Ms: 65_000, resolutionP50Ms: null },
      ],
    });
    expect(r.funnel).toEqual([
      { step: 'searches', count: 4 },
      { step: 'product_views', count: 2 },
      { step: 'alerts_set', count: 1 },
      { step: 'alerts_fired', count: 2 },
      { step: 'alert_taps', count: 1 },
      { step: 'carts', count: 2 },
      { step: 'orders', count: 1 },
    ]);
    expect(r.orders).toEqual({ count: 1, value: 123456 });
    expect(r.features).toEqual({ voiceNotes: 1, photos: 1, recommendationTaps: 1, listTaps: 0, alertsSet: 1, alertsFired: 2 });
    expect(r.consent).toEqual({ stop: 1, start: 0, marketingCapped: 1 });
    // gpt-4o-mini: (1000 × 0.15 + 200 × 0.60) / 1e6 = 0.00027; whisper-1: 90 s = 1.5 min × 0.006 = 0.009;
    // the unknown model is counted, not priced
    expect(r.model).toEqual({
      calls: 5,
      tokensIn: 1500,
      tokensOut: 250,
      usd: 0.00927,
      unpriced: 1,
      byModel: [
        { model: 'gpt-4o-mini', calls: 2, tokensIn: 1000, tokensOut: 200, audioSeconds: 0, usd: 0.00027 },
        { model: 'unknown-model', calls: 1, tokensIn: 500, tokensOut: 50, audioSeconds: 0, usd: null },
        { model: 'whisper-1', calls: 2, tokensIn: 0, tokensOut: 0, audioSeconds: 90, usd: 0.009 },
      ],
    });
    expect(r.costs.total).toEqual({ messages: 1, charged: 1, unpriced: 0, usd: 0.086 });
    expect(r.costs.month).toBeNull(); // the period does not reach today (the 4th)
    expect(r.daily).toEqual([
      { day: '2026-11-02', in: 8, out: 11, orders: 0, orderValue: 0, usd: 0.086 },
      { day: '2026-11-03', in: 2, out: 2, orders: 1, orderValue: 123456, usd: 0 },
    ]);

    // each table as CSV, as the page's export buttons fetch it
    const csv = await h.app.request('/admin/api/analytics?from=2026-11-02&to=2026-11-03&table=templates', { headers: { authorization: 'Bearer adm' } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toBe(
      'template,sent,delivered,read,failed,taps,delivery_rate,read_rate,failure_rate\r\nnew_arrivals,2,1,0,1,0,0.5,0,0.5\r\nprice_alert_notification,2,2,1,0,1,1,0.5,0\r\n',
    );
    // bad periods are a 400 naming the field; an unknown table a 404
    for (const q of ['from=2026-11-05&to=2026-11-01', 'from=2026-02-30', 'to=yesterday', 'from=2020-01-01&to=2026-01-01']) {
      const bad = await h.app.request(`/admin/api/analytics?${q}`, { headers: { authorization: 'Bearer adm' } });
      expect(bad.status, q).toBe(400);
    }
    expect((await h.app.request('/admin/api/analytics?table=nope', { headers: { authorization: 'Bearer adm' } })).status).toBe(404);

    // a late status (a read two days on) lands when the job rebuilds the recent days again
    await db.execute(sql`update outbox set status = 'read' where dedupe_key = 'arrivals:s1:w45'`);
    await h.app.request('/admin/api/jobs/analytics/run', { method: 'POST', headers: { authorization: 'Bearer adm' } });
    const again = await (await h.app.request('/admin/api/analytics?from=2026-11-02&to=2026-11-03', { headers: { authorization: 'Bearer adm' } })).json();
    expect(again.delivery.read).toBe(4);
    expect(again.messages).toEqual(r.messages);
  });
});
