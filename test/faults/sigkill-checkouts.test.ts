import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { messagesWebhook, unixSeconds } from '../helpers/harness.ts';
import { MetaDelivery, waitFor, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 30;
const PRODUCTS = [
  { id: 'FK-1', name: 'Стул «Тест»', category: 'Стулья', price: 19990, stock: 1000 },
  { id: 'FK-2', name: 'Стол «Тест»', category: 'Столы', price: 89990, stock: 1000 },
];

/**
 * Shoppers send a WhatsApp cart (an `order` message), choose pickup, give their name and
 * confirm, while the service is SIGKILLed twice and every confirm tap is delivered twice (Meta
 * delivers at least once). Each shopper must end with exactly one order, the stock reserved
 * once, and one confirmation, one payment link and one invoice.
 */
describe('fault: SIGKILL during checkouts', () => {
  const stack = faultStack({
    env: {
      BOT: 'assistant',
      ADMIN_TOKEN: 'fault-admin',
      PUBLIC_URL: 'https://shop.example.kz',
      CHECKOUT_URL: 'https://pay.example.kz/?o={order}&t={total}&c={currency}',
      DEMO_CATALOG: 'off',
    },
  });

  it('no order is lost or doubled, nothing reserved twice, one payment link and one invoice each', async () => {
    const [svc] = stack.services as [ServiceProcess];
    const res = await fetch(`${svc.url}/admin/api/products`, {
      method: 'POST',
      headers: { authorization: 'Bearer fault-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ products: PRODUCTS }),
    });
    expect(res.status).toBe(200);

    let restarting: Promise<unknown> | null = null;
    const meta = new MetaDelivery({ targets: () => [svc.url], paused: () => restarting });
    let steps = 0;
    // once during the name step, once among the confirm taps: turns that place orders die half-way
    const killAt = [SHOPPERS * 2 + 10, SHOPPERS * 3 + 20];
    let kills = 0;
    const sends = (from: string) => stack.graph.sendsTo(from).map((s) => s.body);
    const post = async (from: string, id: string, message: Record<string, unknown>) => {
      await meta.post(messagesWebhook(from, [{ from, id, timestamp: String(unixSeconds(new Date())), ...message }], `Покупатель ${from.slice(-3)}`));
      steps++;
      if (killAt.length && steps >= killAt[0]! && !restarting) {
        killAt.shift();
        kills++;
        restarting = svc
          .kill('SIGKILL')
          .then(() => svc.start())
          .finally(() => (restarting = null));
      }
    };
    const tap = (from: string, id: string, reply: { id: string; title: string }) =>
      post(from, id, { type: 'interactive', interactive: { type: 'button_reply', button_reply: reply } });
    const reply = (from: string, pred: (b: any) => boolean) =>
      waitFor(
        `a reply to ${from}`,
        async () => sends(from).find(pred),
        120_000,
        () => svc.tail(),
      );
    const body = (b: any): string => b.interactive?.body?.text ?? b.text?.body ?? '';

    await Promise.all(
      Array.from({ length: SHOPPERS }, async (_, i) => {
        const from = `7706${String(i).padStart(7, '0')}`;
        const items = [
          { product_retailer_id: 'FK-1', quantity: 1 + (i % 3), item_price: 19990, currency: 'KZT' },
          { product_retailer_id: 'FK-2', quantity: 1, item_price: 89990, currency: 'KZT' },
        ];
        await post(from, `wamid.co.${i}.order`, { type: 'order', order: { catalog_id: '194836987003835', text: '', product_items: items } });
        await reply(from, (b) => body(b) === 'Как вам удобнее получить заказ?');
        await tap(from, `wamid.co.${i}.pickup`, { id: 'ship:pickup', title: '🏪 Самовывоз' });
        await reply(from, (b) => body(b) === 'Как вас зовут? Имя нужно для заказа.');
        await tap(from, `wamid.co.${i}.name`, { id: 'name:profile', title: `Покупатель ${from.slice(-3)}` });
        const summary = await reply(from, (b) => body(b).startsWith('Проверьте заказ:'));
        const confirm = summary.interactive.action.buttons[0].reply;
        // the confirm tap, delivered twice
        await tap(from, `wamid.co.${i}.confirm`, confirm);
        await tap(from, `wamid.co.${i}.confirm`, confirm);
        await reply(from, (b) => b.interactive?.header?.type === 'document');
      }),
    );
    if (restarting) await restarting;
    // every shopper's turns done and replies out
    await waitFor(
      'the inbox and outbox to drain',
      async () => {
        const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
        try {
          const [open] =
            await sql`select (select count(*) from inbox where status in ('pending', 'processing'))::int + (select count(*) from outbox where status in ('pending', 'sending'))::int as n`;
          return open!.n === 0;
        } finally {
          await sql.end();
        }
      },
      90_000,
      () => svc.tail(),
    );

    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const orders = await sql<
        Array<{ shopper_key: string; n: number; total: string }>
      >`select shopper_key, count(*)::int as n, sum(total)::text as total from orders group by shopper_key`;
      const stock = await sql<Array<{ id: string; stock: number }>>`select id, stock from products order by id`;
      const perShopper = Array.from({ length: SHOPPERS }, (_, i) => `7706${String(i).padStart(7, '0')}`).map((from) => {
        const b = sends(from);
        return {
          from,
          placed: b.filter((x) => /^Заказ №\d+ оформлен!/.test(body(x))).length,
          links: b.filter((x) => x.interactive?.type === 'cta_url').length,
          invoices: b.filter((x) => x.interactive?.header?.type === 'document').length,
        };
      });
      const wrong = perShopper.filter((p) => p.placed !== 1 || p.links !== 1 || p.invoices !== 1);
      const fk1 = Array.from({ length: SHOPPERS }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
      console.log(
        `[fault] SIGKILL during checkouts: ${kills} kills, ${meta.refused} deliveries refused or cut and repeated; ${orders.length} shoppers with orders, ${orders.reduce((a, o) => a + o.n, 0)} orders; stock FK-1 ${stock[0]!.stock} (expected ${1000 - fk1}), FK-2 ${stock[1]!.stock} (expected ${1000 - SHOPPERS}); ${wrong.length} shoppers with a missing or doubled message — ${wrong.length ? 'MISMATCH' : 'MATCH'}`,
      );
      expect(kills).toBe(2);
      expect(orders).toHaveLength(SHOPPERS);
      expect(orders.every((o) => o.n === 1)).toBe(true);
      expect(stock).toEqual([
        { id: 'FK-1', stock: 1000 - fk1 },
        { id: 'FK-2', stock: 1000 - SHOPPERS },
      ]);
      expect(wrong).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
