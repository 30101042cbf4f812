import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, statusWebhook, type Harness } from './helpers/harness.ts';

describe.each(backends())('what Meta charges, kept per message from status webhooks ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());
  const at = (s: number) => String(1_796_000_000 + s);
  const pricing = (type: string, category = 'marketing') => ({ billable: true, pricing_model: 'PMP', type, category });
  const rows = () =>
    query(
      h.services.database.db,
      sql`select wamid, recipient, category, type, model, billable, extract(epoch from at)::bigint::text as at from message_pricing order by wamid`,
    );

  it('one row a message whatever the order and repeats, dated by its earliest status; no pricing, no row; odd pricing never refuses a webhook', async () => {
    h = await startHarness({ backend });
    const post = async (statuses: Array<Record<string, unknown>>) => expect((await h.post(statusWebhook(statuses))).status).toBe(200);
    // read first, then sent and delivered, the read repeated (Meta delivers at least once, out of order)
    await post([{ id: 'wamid.p1', status: 'read', timestamp: at(30), recipient_id: '77011234567', pricing: pricing('regular') }]);
    await post([{ id: 'wamid.p1', status: 'sent', timestamp: at(10), recipient_id: '77011234567', pricing: pricing('regular') }]);
    await post([
      { id: 'wamid.p1', status: 'delivered', timestamp: at(20), recipient_id: '77011234567', pricing: pricing('regular') },
      { id: 'wamid.p2', status: 'delivered', timestamp: at(40), recipient_id: '79161234567', pricing: pricing('free_customer_service', 'service') },
      { id: 'wamid.p3', status: 'delivered', timestamp: at(50), recipient_id: '79161234567' },
    ]);
    await post([{ id: 'wamid.p1', status: 'read', timestamp: at(30), recipient_id: '77011234567', pricing: pricing('regular') }]);
    // the conversation-based shape (before 2025-07-01) and pricing Meta might one day send oddly
    await post([
      {
        id: 'wamid.p4',
        status: 'sent',
        timestamp: at(60),
        recipient_id: '77011234567',
        pricing: { billable: true, pricing_model: 'CBP', category: 'utility' },
      },
      { id: 'wamid.p5', status: 'sent', timestamp: at(70), recipient_id: '77011234567', pricing: { billable: 'yes', category: 'utility', type: 7 } },
      { id: 'wamid.p6', status: 'sent', timestamp: at(80), recipient_id: '77011234567', pricing: 'regular' },
    ]);
    expect(await rows()).toEqual([
      { wamid: 'wamid.p1', recipient: '77011234567', category: 'marketing', type: 'regular', model: 'PMP', billable: true, at: at(10) },
      { wamid: 'wamid.p2', recipient: '79161234567', category: 'service', type: 'free_customer_service', model: 'PMP', billable: true, at: at(40) },
      { wamid: 'wamid.p4', recipient: '77011234567', category: 'utility', type: null, model: 'CBP', billable: true, at: at(60) },
      { wamid: 'wamid.p5', recipient: '77011234567', category: 'utility', type: '7', model: null, billable: null, at: at(70) },
    ]);
  });
});
