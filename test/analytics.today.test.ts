import { afterEach, describe, expect, it } from 'vitest';
import { loadRateCard } from '../src/analytics/rate-card.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, statusWebhook, textWebhook, unixSeconds, type Harness } from './helpers/harness.ts';

/**
 * Today's numbers as a store owner opens the page right after a conversation: no roll-up job
 * has run (CRON off), so the report brings today up to date itself, and each bot reply Meta
 * reports as a billed service message (since 2026-10-01) costs the day's service rate.
 */
describe.each(backends())('today without waiting for the roll-up job ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it("a conversation shows at once, its replies priced at the day's service rate; a report within the minute reuses today's figures, after it they are rebuilt", async () => {
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', TZ: 'Asia/Almaty' } });
    const shopper = '77090000301';
    const report = async () => {
      const day = h.services.analytics.today();
      const res = await h.app.request(`/admin/api/analytics?from=${day}&to=${day}`, { headers: { authorization: 'Bearer adm' } });
      expect(res.status).toBe(200);
      return (await res.json()) as any;
    };
    const say = async (body: string) => {
      await h.post(textWebhook({ from: shopper, body, at: h.clock.now() }));
      await h.drain();
    };
    // Meta's status for each reply: sent, billed as a service message
    const billed = async () => {
      const statuses = graph.sendsTo(shopper).map((s) => ({
        id: s.wamid,
        status: 'sent',
        timestamp: String(unixSeconds(h.clock.now())),
        recipient_id: shopper,
        pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'service' },
      }));
      expect((await h.post(statusWebhook(statuses))).status).toBe(200);
    };

    // a fresh start: nothing rolled up yet
    const empty = await report();
    expect(empty.messages.in).toBe(0);

    await say('серый диван');
    await say('позовите менеджера');
    await billed();
    const replies = graph.sendsTo(shopper).length;
    expect(replies).toBeGreaterThan(0);
    const rate = loadRateCard().price({ country: 'KZ', category: 'service', at: h.clock.now() })!;
    expect(rate).toBeGreaterThan(0);

    // within the minute since the empty report: today's figures are reused (computed then)
    const stale = await report();
    expect(stale.messages.in).toBe(0);
    h.clock.advance(61_000);
    const fresh = await report();
    expect(fresh.asOf).toBe(h.clock.now().toISOString());
    expect(fresh.messages.in).toBe(2);
    expect(fresh.messages.out).toBe(replies);
    expect(fresh.costs.total.usd).toBeCloseTo(replies * rate, 6);
    expect(fresh.costs.byCategory).toEqual([expect.objectContaining({ category: 'service', messages: replies, charged: replies, unpriced: 0 })]);
    // the month's forecast says what the chat replies cost
    expect(fresh.costs.month.replies).toMatchObject({ messages: replies });
    expect(fresh.costs.month.replies.spent).toBeCloseTo(replies * rate, 6);
    expect(fresh.costs.month.replies.forecast).toBeGreaterThanOrEqual(fresh.costs.month.replies.spent);
  });
});
