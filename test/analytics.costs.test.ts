import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadRateCard } from '../src/analytics/rate-card.ts';
import { rebuildDays } from '../src/analytics/daily-rollup.ts';
import { monthForecast, whatsappCosts } from '../src/analytics/whatsapp-costs.ts';
import { sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, statusWebhook, type Harness } from './helpers/harness.ts';

const card = loadRateCard(new URL('./fixtures/rates.yaml', import.meta.url));

describe.each(backends())('what WhatsApp cost, from the statuses Meta sent ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  it('a hand-counted month: a rate change inside the period, free messages, unpriced ones, by category, template and day; the forecast', async () => {
    h = await startHarness({ backend });
    const db = h.services.database.db;
    // three templates we sent (the outbox knows their names) and a free-form reply
    let n = 0;
    const sent = async (wamid: string, template: string | null) =>
      db.execute(
        sql`insert into outbox (dedupe_key, shopper_key, payload, status, next_attempt_at, wamid, created_at, updated_at)
        values (${`k${++n}`}, 's', ${JSON.stringify(template ? { type: 'template', template: { name: template, language: { code: 'ru' } } } : { type: 'text', text: { body: 'hi' } })}::jsonb, 'delivered', now(), ${wamid}, now(), now())`,
      );
    // Almaty is UTC+5: 2026-09-30T20:00Z is already 1 October there
    const status = (id: string, to: string, iso: string, pricing: Record<string, unknown>) => ({
      id,
      status: 'delivered',
      timestamp: String(Math.floor(Date.parse(iso) / 1000)),
      recipient_id: to,
      pricing,
    });
    const regular = (category: string) => ({ billable: true, pricing_model: 'PMP', type: 'regular', category });
    const messages: Array<[string, string | null, string, string, Record<string, unknown>]> = [
      ['w1', 'order_shipped', '77011110001', '2026-09-29T10:00:00Z', regular('utility')], // KZ utility, old rate: 0.02
      ['w2', 'order_shipped', '77011110002', '2026-09-30T20:00:00Z', regular('utility')], // 1 Oct in Almaty: new rate 0.015
      ['w3', 'order_shipped', '77011110003', '2026-10-02T10:00:00Z', regular('utility')], // 0.015
      ['w4', 'price_drop', '77011110004', '2026-10-02T11:00:00Z', regular('marketing')], // 0.08
      ['w5', 'price_drop', '79161110005', '2026-10-03T11:00:00Z', regular('marketing')], // RU marketing 0.0802
      ['w6', 'order_shipped', '79161110006', '2026-10-03T12:00:00Z', regular('utility')], // RU utility: not on the card → unpriced
      ['w7', null, '77011110007', '2026-10-03T13:00:00Z', { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' }], // free
      [
        'w8',
        'order_shipped',
        '77011110008',
        '2026-10-04T09:00:00Z',
        { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' },
      ], // utility in the window: free
      ['w9', 'price_drop', '77011110009', '2026-11-01T10:00:00Z', regular('marketing')], // outside the period
    ];
    for (const [wamid, template] of messages) await sent(wamid, template);
    await h.post(statusWebhook(messages.map(([wamid, , to, iso, pricing]) => status(wamid, to, iso, pricing))));

    // the report reads the daily roll-up: September to November rebuilt from the raw tables
    await rebuildDays(db, { timeZone: 'Asia/Almaty', managers: [], prefixes: card.prefixes }, '2026-09-01', '2026-11-30', new Date());
    const r = await whatsappCosts(db, card, { from: '2026-09-01', to: '2026-10-31' });
    // 0.02 + 0.015 + 0.015 + 0.08 + 0.0802 = 0.2102; w6 charged but unpriced; w7, w8 free
    expect(r.total).toEqual({ messages: 8, charged: 6, unpriced: 1, usd: 0.2102 });
    expect(r.byCategory).toEqual([
      { category: 'marketing', messages: 2, charged: 2, unpriced: 0, usd: 0.1602 },
      { category: 'utility', messages: 5, charged: 4, unpriced: 1, usd: 0.05 },
      { category: 'service', messages: 1, charged: 0, unpriced: 0, usd: 0 },
    ]);
    expect(r.byTemplate).toEqual([
      { template: 'price_drop', category: 'marketing', messages: 2, charged: 2, unpriced: 0, usd: 0.1602 },
      { template: 'order_shipped', category: 'utility', messages: 5, charged: 4, unpriced: 1, usd: 0.05 },
      { template: null, category: 'service', messages: 1, charged: 0, unpriced: 0, usd: 0 },
    ]);
    expect(r.byDay.map((d) => [d.day, d.messages, d.usd])).toEqual([
      ['2026-09-29', 1, 0.02],
      ['2026-10-01', 1, 0.015],
      ['2026-10-02', 2, 0.095],
      ['2026-10-03', 3, 0.0802],
      ['2026-10-04', 1, 0],
    ]);
    // October so far, on the 4th: 0.1902 spent (w2…w5), 0.1902 / 4 days × 31 = 1.47405 → 1.47
    // by template: price_drop 0.1602 → 1.24155; order_shipped 0.03 → 0.2325; free ones left out
    expect(await monthForecast(db, card, { today: '2026-10-04' })).toEqual({
      month: '2026-10',
      spent: 0.1902,
      forecast: 1.47,
      days: 4,
      of: 31,
      byTemplate: [
        { template: 'price_drop', category: 'marketing', spent: 0.1602, forecast: 1.24 },
        { template: 'order_shipped', category: 'utility', spent: 0.03, forecast: 0.23 },
      ],
      // the one free-form reply of the month came as free_customer_service: counted, costs nothing
      replies: { messages: 1, spent: 0, forecast: 0 },
    });
  });
});
