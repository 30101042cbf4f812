import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatPrice } from '../src/catalog/money.ts';
import { query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { messagesWebhook, startHarness, unixSeconds, type Harness } from './helpers/harness.ts';

const CHECKOUT_URL = 'https://pay.example.kz/checkout?order={order}&amount={total}&cur={currency}';

/** What the service queued for a shopper, oldest first, as the payloads that go to Meta. */
const outbound = async (h: Harness, shopper: string) =>
  (await query<{ payload: Record<string, any> }>(h.services.database.db, sql`select payload from outbox where shopper_key = ${shopper} order by id`)).map(
    (r) => r.payload,
  );

describe.each(backends())('buying in the chat ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  let n = 0;
  const send = async (shopper: string, message: Record<string, unknown>) => {
    const before = (await outbound(h, shopper)).length;
    const id = `wamid.buy.${++n}.${Date.now()}`;
    await h.post(messagesWebhook(shopper, [{ from: shopper, id, timestamp: unixSeconds(h.clock.now()), ...message }], 'Айгерим'));
    await h.drain();
    return { id, out: (await outbound(h, shopper)).slice(before) };
  };
  const say = (shopper: string, body: string) => send(shopper, { type: 'text', text: { body } }).then((r) => r.out);
  const tap = (shopper: string, id: string, title: string) =>
    send(shopper, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } });
  const buttons = (m: Record<string, any>) => (m.interactive.action.buttons as Array<{ reply: { id: string; title: string } }>).map((b) => b.reply);

  it('search → card → add to cart → "ещё одну" → cart → checkout → address → name → confirm: an order, a payment link and an invoice, once', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant', CHECKOUT_URL, MANAGER_PHONES: '77770000001' }, demo: true });
    const shopper = '77012220001';
    const [card] = await (async () => {
      await say(shopper, 'голубой диван');
      return say(shopper, 'первый');
    })();
    // the card's three buttons: buy, watch the price, more like it
    const cardButtons = buttons(card!.interactive ? card! : (await outbound(h, shopper)).at(-1)!);
    expect(cardButtons.map((b) => b.title)).toEqual(['🛒 В корзину', '🔔 Следить за ценой', 'Похожие']);
    const add = cardButtons[0]!;
    const productId = add.id.replace(/^cart\+:/, '');
    const [product] = await query<{ name: string; price: string; stock: number }>(
      h.services.database.db,
      sql`select name, price::text, stock from products where id = ${productId}`,
    );
    const price = Number(product!.price);

    const added = (await tap(shopper, add.id, add.title)).out;
    expect(added).toHaveLength(1);
    expect(added[0]!.interactive.body.text).toMatch(
      new RegExp(`^Добавил «${product!.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}» × 1 в корзину\\.\\nВ корзине 1 шт\\. на `),
    );
    expect(buttons(added[0]!).map((b) => b.id)).toEqual(['checkout', 'cart', 'manager']);

    const more = await say(shopper, 'ещё одну');
    // one more on a line of one: the cart now holds two, said as such (not «добавил × 2»)
    expect(more[0]!.interactive.body.text).toMatch(/^Теперь в корзине «.+» × 2\.\nВ корзине 2 шт\. на /);

    const cart = await say(shopper, 'корзина');
    const cartText: string = cart[0]!.interactive.body.text;
    expect(cartText.split('\n')[0]).toBe('Ваша корзина:');
    expect(cartText).toContain(`• ${product!.name} × 2 — `);
    expect(cartText).toMatch(/Итого: .+₸$/);

    const how = await say(shopper, 'оформить');
    expect(how[0]!.interactive.body.text).toBe('Как вам удобнее получить заказ?');
    expect(buttons(how[0]!).map((b) => b.id)).toEqual(['ship:delivery', 'ship:pickup', 'checkout:cancel']);

    const address = (await tap(shopper, 'ship:delivery', '🚚 Доставка')).out;
    expect(address[0]!.text.body).toBe('Напишите адрес доставки или отправьте геолокацию 📍');
    const name = await say(shopper, 'Алматы, пр. Абая 10, кв 5');
    expect(name[0]!.interactive.body.text).toBe('Как вас зовут? Имя нужно для заказа.');
    // the WhatsApp profile name is offered as a button
    expect(buttons(name[0]!)).toEqual([{ id: 'name:profile', title: 'Айгерим' }]);
    const summary = (await tap(shopper, 'name:profile', 'Айгерим')).out;
    const summaryText: string = summary[0]!.interactive.body.text;
    expect(summaryText).toContain('Проверьте заказ:');
    expect(summaryText).toContain('Доставка: Алматы, пр. Абая 10, кв 5');
    expect(summaryText).toContain('Имя: Айгерим');
    const confirm = buttons(summary[0]!)[0]!;
    expect(confirm.id).toMatch(/^confirm:[0-9a-f]{16}$/);

    const placed = await tap(shopper, confirm.id, confirm.title);
    const [order] = await query<{
      number: string;
      total: string;
      status: string;
      invoice_token: string;
      payment_url: string;
      address: string;
      customer_name: string;
    }>(
      h.services.database.db,
      sql`select number, total::text, status, invoice_token, payment_url, address, customer_name from orders where shopper_key = ${shopper}`,
    );
    expect(order).toMatchObject({ status: 'new', address: 'Алматы, пр. Абая 10, кв 5', customer_name: 'Айгерим', total: String(price * 2) });
    const totalUnits = (price * 2) / 100;
    expect(order!.payment_url).toBe(`https://pay.example.kz/checkout?order=${order!.number}&amount=${totalUnits.toFixed(2)}&cur=KZT`);
    // exactly what goes to Meta: one billed message, the cta_url whose document header is the
    // invoice and whose body is the confirmation
    expect(placed.out).toEqual([
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          header: { type: 'document', document: { link: `/invoices/${order!.invoice_token}.pdf`, filename: `invoice-${order!.number}.pdf` } },
          body: {
            text: expect.stringMatching(new RegExp(`^Заказ №${order!.number} оформлен! Сумма: .+₸\\.\nСчёт — в файле выше, оплатить можно кнопкой ниже\\.$`)),
          },
          action: { name: 'cta_url', parameters: { display_text: 'Оплатить', url: order!.payment_url } },
        },
      },
    ]);
    // stock reserved, cart emptied, lines at the confirmed price
    const [after] = await query<{ stock: number }>(h.services.database.db, sql`select stock from products where id = ${productId}`);
    expect(after!.stock).toBe(product!.stock - 2);
    expect(await query(h.services.database.db, sql`select 1 from cart_lines where shopper_key = ${shopper}`)).toEqual([]);
    expect(await query(h.services.database.db, sql`select product_id, price::text as price, quantity from order_lines`)).toEqual([
      { product_id: productId, price: String(price), quantity: 2 },
    ]);
    // the manager is told, through order_new
    const [told] = await outbound(h, '77770000001');
    expect(told!.template).toMatchObject({ name: 'order_new', language: { code: 'ru' } });

    // Meta redelivers the confirm tap: nothing new. The old confirm button tapped again: no second order.
    await h.post(
      messagesWebhook(
        shopper,
        [
          {
            from: shopper,
            id: placed.id,
            timestamp: unixSeconds(h.clock.now()),
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: confirm },
          },
        ],
        'Айгерим',
      ),
    );
    await h.drain();
    const again = await tap(shopper, confirm.id, confirm.title);
    expect(again.out.map((m) => m.interactive?.type)).not.toContain('cta_url');
    expect(await query(h.services.database.db, sql`select number from orders`)).toHaveLength(1);
    const [stock2] = await query<{ stock: number }>(h.services.database.db, sql`select stock from products where id = ${productId}`);
    expect(stock2!.stock).toBe(product!.stock - 2);

    // the invoice opens: pdftoppm renders its first page
    const res = await h.app.request(`/invoices/${order!.invoice_token}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const dir = mkdtempSync(join(tmpdir(), 'invoice-'));
    writeFileSync(join(dir, 'invoice.pdf'), Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'invoice.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain(`Счёт № ${order!.number}`);
    expect(text).toContain(product!.name);
    expect(text).toContain('Айгерим');
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', join(dir, 'invoice.pdf'), join(dir, 'page')]);
    const png = readFileSync(join(dir, 'page-1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect((await h.app.request('/invoices/not-a-real-token-at-all.pdf')).status).toBe(404);

    // shipped through the admin API: the shopper gets order_shipped, once
    const auth = { authorization: `Bearer ${h.services.adminToken}`, 'content-type': 'application/json' };
    for (let i = 0; i < 2; i++) {
      const r = await h.app.request(`/admin/api/orders/${order!.number}/status`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ status: 'shipped', by: 'console' }),
      });
      expect(r.status).toBe(200);
    }
    await h.drain();
    const shipped = (await outbound(h, shopper)).filter((m) => m.type === 'template');
    expect(shipped).toEqual([
      {
        type: 'template',
        template: {
          name: 'order_shipped',
          language: { code: 'ru' },
          components: [
            { type: 'body', parameters: [{ type: 'text', parameter_name: 'order', text: order!.number }] },
            { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'manager' }] },
          ],
        },
      },
    ]);
    const back = await h.app.request(`/admin/api/orders/${order!.number}/status`, { method: 'POST', headers: auth, body: JSON.stringify({ status: 'new' }) });
    expect(back.status).toBe(409);
    const got = (await (await h.app.request(`/admin/api/orders/${order!.number}`, { headers: auth })).json()) as {
      order: { history: Array<{ status: string; by: string }> };
    };
    expect(got.order.history.map((e) => [e.status, e.by])).toEqual([
      ['new', 'shopper'],
      ['shipped', 'console'],
    ]);
  });

  it('a WhatsApp order message shaped like Meta’s becomes the cart; a price changed since is said, pickup skips the address', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    const shopper = '77012220002';
    const [p1, p2] = await query<{ id: string; name: string; price: string }>(
      h.services.database.db,
      sql`select id, name, price::text from products where stock > 3 order by id limit 2`,
    );
    // the shopper's WhatsApp cart showed p1 at an older price; p2 at ours
    const order = {
      catalog_id: '194836987003835',
      text: '',
      product_items: [
        { product_retailer_id: p1!.id, quantity: 2, item_price: Number(p1!.price) / 100 - 1000, currency: 'KZT' },
        { product_retailer_id: p2!.id, quantity: 1, item_price: Number(p2!.price) / 100, currency: 'KZT' },
        { product_retailer_id: 'NO-SUCH-SKU', quantity: 1, item_price: 10, currency: 'KZT' },
      ],
    };
    const { out } = await send(shopper, { type: 'order', order });
    const body: string = out[0]!.interactive.body.text;
    const lines = body.split('\n');
    expect(lines.at(-1)).toBe('Как вам удобнее получить заказ?');
    expect(lines.slice(0, -1).sort()).toEqual([
      `«NO-SUCH-SKU» больше нет в продаже — убрал из корзины.`,
      `Цена «${p1!.name}» изменилась: было ${formatPrice(Number(p1!.price) - 100000, 'KZT', 'ru')}, стало ${formatPrice(Number(p1!.price), 'KZT', 'ru')}.`,
    ]);
    const name = (await tap(shopper, 'ship:pickup', '🏪 Самовывоз')).out;
    expect(name[0]!.interactive.body.text).toBe('Как вас зовут? Имя нужно для заказа.');
    const summary = await say(shopper, 'Ерлан');
    expect(summary[0]!.interactive.body.text).toContain('Самовывоз из магазина');
    expect(summary[0]!.interactive.body.text).toContain('Имя: Ерлан');

    // the price moves between the summary and the tap: no order, the new summary instead
    await h.services.database.db.execute(sql`update products set price = price + 100000 where id = ${p2!.id}`);
    const confirm = buttons(summary[0]!)[0]!;
    const changed = (await tap(shopper, confirm.id, confirm.title)).out;
    expect(changed[0]!.interactive.body.text.split('\n').slice(0, 2)).toEqual([
      'Пока вы оформляли, кое-что изменилось — проверьте ещё раз.',
      expect.stringMatching(/^Цена «.+» изменилась/),
    ]);
    expect(await query(h.services.database.db, sql`select 1 from orders`)).toEqual([]);
    const placed = (await tap(shopper, buttons(changed[0]!)[0]!.id, '✅ Подтвердить')).out;
    // no CHECKOUT_URL: one message, the invoice with the confirmation and the pay-on-delivery words as its caption
    expect(placed).toEqual([
      {
        type: 'document',
        document: {
          link: expect.stringMatching(/^\/invoices\/[\w-]+\.pdf$/),
          filename: expect.stringMatching(/^invoice-\d+\.pdf$/),
          caption: expect.stringMatching(/^Заказ №\d+ оформлен! Сумма: .+₸\.\nОплата при получении — наличными или картой\.$/),
        },
      },
    ]);
    const [o] = await query<{ fulfilment: string; address: string | null; total: string }>(
      h.services.database.db,
      sql`select fulfilment, address, total::text from orders`,
    );
    expect(o).toEqual({ fulfilment: 'pickup', address: null, total: String(Number(p1!.price) * 2 + Number(p2!.price) + 100000) });
  });

  it('a location answers the address; words about something else leave the checkout waiting', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    const shopper = '77012220003';
    const [p] = await query<{ id: string }>(h.services.database.db, sql`select id from products where stock > 0 order by id limit 1`);
    await tap(shopper, `cart+:${p!.id}`, '🛒 В корзину');
    await tap(shopper, 'checkout', '✅ Оформить');
    await tap(shopper, 'ship:delivery', '🚚 Доставка');
    // "корзина" is about the cart, not an address
    const cart = await say(shopper, 'корзина');
    expect(cart[0]!.interactive.body.text.split('\n')[0]).toBe('Ваша корзина:');
    const loc = await send(shopper, {
      type: 'location',
      location: { latitude: 43.238949, longitude: 76.889709, name: 'ТРЦ Mega', address: 'Розыбакиева 247А' },
    });
    expect(loc.out[0]!.interactive.body.text).toBe('Как вас зовут? Имя нужно для заказа.');
    const [c] = await query<{ checkout: Record<string, unknown> | string }>(
      h.services.database.db,
      sql`select checkout from carts where shopper_key = ${shopper}`,
    );
    const state = typeof c!.checkout === 'string' ? JSON.parse(c!.checkout) : c!.checkout;
    expect(state).toEqual({
      step: 'name',
      fulfilment: 'delivery',
      address: 'ТРЦ Mega, Розыбакиева 247А',
      location: { latitude: 43.238949, longitude: 76.889709, name: 'ТРЦ Mega', address: 'Розыбакиева 247А' },
    });
  });
});
