import { afterEach, describe, expect, it } from 'vitest';
import { query, sql, type Db } from '../../src/db/database.ts';
import { backends, fakeGraphFor } from '../helpers/backends.ts';
import { messagesWebhook, startHarness, statusWebhook, unixSeconds, type Harness } from '../helpers/harness.ts';

const SHOPPER = '77015550077';
const NAME = 'Иван Тестов';
const ADDRESS = 'Алматы, ул. Сатпаева 90, кв 17';
const MANAGER = '77080000001';

/**
 * Every place a value is written in the database: each text, varchar, json or jsonb column of
 * every table, and how many rows hold it. A new table or column is scanned without anyone
 * listing it here.
 */
async function whereFound(db: Db, needle: string): Promise<string[]> {
  const columns = await query<{ table_name: string; column_name: string }>(
    db,
    sql`select table_name, column_name from information_schema.columns
        where table_schema = current_schema() and data_type in ('text', 'character varying', 'json', 'jsonb')
        order by table_name, column_name`,
  );
  const found: string[] = [];
  for (const c of columns) {
    const [row] = await query<{ n: number }>(
      db,
      sql`select count(*)::int as n from ${sql.identifier(c.table_name)} where ${sql.identifier(c.column_name)}::text ilike ${`%${needle}%`}`,
    );
    if (row!.n) found.push(`${c.table_name}.${c.column_name}: ${row!.n}`);
  }
  return found;
}

describe.each(backends())('forget leaves no trace of the shopper ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  let n = 0;
  const send = async (message: Record<string, unknown>) => {
    await h.post(messagesWebhook(SHOPPER, [{ from: SHOPPER, id: `wamid.forget.${++n}`, timestamp: unixSeconds(h.clock.now()), ...message }], NAME));
    await h.drain();
  };
  const say = (body: string) => send({ type: 'text', text: { body } });
  const tap = (id: string, title: string) => send({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } });
  const lastButtons = async () => {
    const [row] = await query<{ payload: any }>(
      h.services.database.db,
      sql`select payload from outbox where shopper_key = ${SHOPPER} and payload->>'type' = 'interactive' order by id desc limit 1`,
    );
    return (row!.payload.interactive.action.buttons ?? []).map((b: { reply: { id: string; title: string } }) => b.reply) as Array<{
      id: string;
      title: string;
    }>;
  };
  const admin = (path: string, method = 'GET') => h.app.request(`/admin/api${path}`, { method, headers: { authorization: 'Bearer adm' } });

  /** A shopper who ordered with an address, has a cart, asked for a person, and was billed for a message. */
  async function aShopperWhoBought() {
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', MANAGER_PHONES: MANAGER, CHECKOUT_URL: 'https://pay.example.kz/?o={order}&t={total}&c={currency}' },
    });
    await say('голубой диван');
    await say('первый');
    const add = (await lastButtons())[0]!;
    await tap(add.id, add.title);
    await say('оформить');
    await tap('ship:delivery', '🚚 Доставка');
    await say(ADDRESS);
    await tap('name:profile', NAME);
    const confirm = (await lastButtons())[0]!;
    await tap(confirm.id, confirm.title);
    // a second cart, not ordered yet
    await say('кресло');
    await say('первый');
    const again = (await lastButtons())[0]!;
    await tap(again.id, again.title);
    await say('позовите менеджера');
    const [sent] = await query<{ wamid: string }>(
      h.services.database.db,
      sql`select wamid from outbox where shopper_key = ${SHOPPER} and wamid is not null order by id limit 1`,
    );
    await h.post(
      statusWebhook([
        {
          id: sent!.wamid,
          status: 'delivered',
          timestamp: unixSeconds(h.clock.now()),
          recipient_id: SHOPPER,
          pricing: { billable: true, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
        },
      ]),
    );
    await h.drain();
  }

  it('export holds the orders, the cart and the invoices; after forget no column of any table holds the number, the name or the address, the invoice is gone, the books stay', async () => {
    await aShopperWhoBought();
    const db = h.services.database.db;
    const [order] = await query<{ number: string; invoice_token: string; total: string }>(
      db,
      sql`select number, invoice_token, total::text from orders where shopper_key = ${SHOPPER}`,
    );
    expect(order).toBeDefined();
    // the scan sees what is there before
    expect(await whereFound(db, SHOPPER)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^orders\.shopper_key/),
        expect.stringMatching(/^message_pricing\.recipient/),
        expect.stringMatching(/^cart_lines\.shopper_key/),
      ]),
    );
    expect(await whereFound(db, ADDRESS)).toEqual(expect.arrayContaining([expect.stringMatching(/^orders\.address/)]));
    // the manager was told who it is: «Иван Тестов (77015550077)»
    const [told] = await query<{ n: number }>(
      db,
      sql`select count(*)::int as n from outbox where shopper_key = ${MANAGER} and payload::text like ${`%${SHOPPER}%`}`,
    );
    expect(told!.n).toBeGreaterThan(0);

    const exported = await (await admin(`/shoppers/${SHOPPER}/export`)).json();
    expect(exported.orders).toEqual([
      expect.objectContaining({
        number: order!.number,
        address: ADDRESS,
        customerName: NAME,
        total: Number(order!.total),
        invoice: expect.stringContaining(`/invoices/${order!.invoice_token}.pdf`),
        lines: [expect.objectContaining({ quantity: 1 })],
      }),
    ]);
    expect(exported.cart).toEqual([expect.objectContaining({ quantity: 1 })]);
    expect((await h.app.request(`/invoices/${order!.invoice_token}.pdf`)).status).toBe(200);

    const forgot = await (await admin(`/shoppers/${SHOPPER}/forget`, 'POST')).json();
    expect(forgot).toMatchObject({ forgotten: true, erased: { orders: 1, cartLines: 1, messagePricing: 1 } });
    for (const needle of [SHOPPER, NAME, 'Тестов', ADDRESS, 'Сатпаева']) expect([needle, await whereFound(db, needle)]).toEqual([needle, []]);
    expect((await h.app.request(`/invoices/${order!.invoice_token}.pdf`)).status).toBe(404);
    // the store's books: the order, its lines, total and status, under the pseudonym
    const [kept] = await query<{ shopper_key: string; total: string; status: string; lines: number }>(
      db,
      sql`select o.shopper_key, o.total::text, o.status, (select count(*)::int from order_lines l where l.order_id = o.id) as lines from orders o where o.number = ${order!.number}`,
    );
    expect(kept).toEqual({ shopper_key: forgot.pseudonym, total: order!.total, status: 'new', lines: 1 });
  });
});
