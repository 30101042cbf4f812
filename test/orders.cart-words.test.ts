import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CartWords } from '../core/cart-words.ts';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { removeProductsExcept } from '../src/catalog/catalog-repo.ts';
import { query, sql } from '../src/db/database.ts';
import { newInvoiceToken, placeOrder, StockChanged } from '../src/orders/order-repo.ts';
import { backends } from './helpers/backends.ts';
import { messagesWebhook, startHarness, unixSeconds, type Harness } from './helpers/harness.ts';

describe('cart words, read with the lexicon', () => {
  const words = new CartWords(loadLexicon());
  it.each([
    ['в корзину', 'add', null],
    ['Добавь в корзину 3 шт', 'add', 3],
    ['ещё одну', 'more', null],
    ['one more', 'more', null],
    ['ещё две штуки', 'more', 2],
    ['две штуки', null, 2],
    ['ещё диваны', null, null],
    ['2 pcs', null, 2],
    ['екі дана', null, 2],
    ['еки дана', null, 2],
    ['төрт дана', null, 4],
    ['добавь торт', 'add', null],
    ['семена в корзину', 'add', null],
    ['корзина', 'view', null],
    ['что в корзине?', 'view', null],
    ['my cart', 'view', null],
    ['себетті көрсет', 'view', null],
    ['оформить заказ', 'checkout', null],
    ['checkout', 'checkout', null],
    ['очистить корзину', 'clear', null],
    ['убери кресло', 'remove', null],
    ['самовывоз', 'pickup', null],
    ['доставка', 'delivery', null],
  ] as const)('%s → %s, quantity %s', (text, action, quantity) => {
    const r = words.read(text);
    expect(r.action).toBe(action);
    expect(r.quantity).toBe(quantity);
  });

  it('a bare number is no quantity ("2" may be "the second one"); a search is no cart phrase', () => {
    expect(words.read('2')).toMatchObject({ action: null, quantity: null });
    expect(words.read('серый диван до 300 тысяч')).toMatchObject({ action: null, quantity: null });
  });
});

describe.each(backends())('cart in words, offline ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  let n = 0;
  const send = async (from: string, message: Record<string, unknown>) => {
    await h.post(messagesWebhook(from, [{ from, id: `wamid.words.${++n}.${Date.now()}`, timestamp: unixSeconds(h.clock.now()), ...message }]));
    await h.drain();
    const out = h.services.sandbox!.history(from).filter((e) => e.direction === 'out');
    return out.at(-1)!.message as Record<string, any>;
  };
  const say = (from: string, body: string) => send(from, { type: 'text', text: { body } });
  const text = (m: Record<string, any>): string => m.interactive?.body?.text ?? m.text?.body;
  const lines = (from: string) =>
    query<{ product_id: string; quantity: number }>(
      h.services.database.db,
      sql`select product_id, quantity from cart_lines where shopper_key = ${from} order by product_id`,
    );

  it('English store: "add to cart" on the card, "2 pcs", "remove", "empty cart"; words that are a search stay a search', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: 'sports' });
    const from = '15550002001';
    await say(from, 'black running shoes under $150');
    // from a list the shopper picks first
    expect(text(await say(from, 'add to cart'))).toBe('Which product should I add? Pick it from the list or open its card.');
    // "the first one" said with the cart words takes it from the list
    expect(text(await say(from, 'add the first'))).toMatch(/^Added “.+” × 1 to your cart\./);
    expect(text(await say(from, 'empty cart'))).toBe('Your cart is empty now.');
    await say(from, 'black running shoes under $150');
    await say(from, 'the second one');
    const added = await say(from, 'add to cart');
    expect(text(added)).toMatch(/^Added “.+” × 1 to your cart\.\nItems in your cart: 1, \$\d+(\.\d\d)? in all\.$/);
    expect(text(await say(from, '2 pcs'))).toMatch(/^Your cart now has “.+” × 2\.\nItems in your cart: 2, /);
    expect((await lines(from))[0]!.quantity).toBe(2);
    expect(text(await say(from, 'my cart'))).toMatch(/^Your cart:\n• .+ × 2 — \$[\d,.]+\nTotal: \$[\d,.]+$/);
    expect(text(await say(from, 'remove'))).toMatch(/^Removed “.+” from your cart\.$/);
    expect(await lines(from)).toEqual([]);
    expect(text(await say(from, 'empty cart'))).toBe('Your cart is empty now.');
    // a search with the word "take" in it is still a search, and the cart is untouched
    expect((await say(from, 'I will take a 2-person tent under $150')).interactive.type).toBe('list');
    expect(await lines(from)).toEqual([]);
  });

  it('Kazakh words: «себетке», «екі дана», «себет»', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: 'kids' });
    const from = '77012220100';
    const [p] = await query<{ id: string }>(h.services.database.db, sql`select id from products where stock > 3 order by id limit 1`);
    await send(from, { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: p!.id, title: 'x' } } });
    await say(from, 'сәлем, маған себетке салыңыз');
    expect(await lines(from)).toEqual([{ product_id: p!.id, quantity: 1 }]);
    await say(from, 'екі дана');
    expect(await lines(from)).toEqual([{ product_id: p!.id, quantity: 2 }]);
    // «себет» alone, typed by a new shopper, is Kazakh: the empty cart is said in Kazakh
    expect(text(await say('77012220101', 'себет'))).toBe('Себет бос. Не іздеп жүргеніңізді жазыңыз.');
  });

  it('a full catalog file that drops products in a cart or an order deactivates them instead of deleting; checkout says they are gone', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    const db = h.services.database.db;
    const from = '77012220300';
    await send(from, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'cart+:ZT-0003', title: '🛒 В корзину' } } });
    await send(from, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'cart+:ZT-0002', title: '🛒 В корзину' } } });
    const r = await removeProductsExcept(db, ['ZT-0002'], h.clock.now());
    expect(r.deactivated).toBe(1);
    expect(await query(db, sql`select id, active from products where id in ('ZT-0002', 'ZT-0003') order by id`)).toEqual([
      { id: 'ZT-0002', active: true },
      { id: 'ZT-0003', active: false },
    ]);
    const how = await send(from, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'checkout', title: '✅ Оформить' } } });
    const [gone] = await query<{ name: string }>(db, sql`select name from products where id = 'ZT-0003'`);
    expect(text(how).split('\n')[0]).toBe(`«${gone!.name}» больше нет в продаже — убрал из корзины.`);
    expect(await lines(from)).toEqual([{ product_id: 'ZT-0002', quantity: 1 }]);
  });

  it('stock sold out between the summary and the commit: the order is not placed and nothing is reserved', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    const db = h.services.database.db;
    await db.execute(sql`update products set stock = 1 where id = 'ZT-0001'`);
    const draft = (key: string, quantity: number) => ({
      sourceKey: key,
      number: key,
      shopperKey: '77012220200',
      checkout: { step: 'confirm' as const, fulfilment: 'pickup' as const, name: 'A' },
      lines: [
        { productId: 'ZT-0002', name: 'b', price: 100, quantity: 1 },
        { productId: 'ZT-0001', name: 'a', price: 100, quantity },
      ],
      currency: 'KZT',
      language: 'ru',
      paymentUrl: null,
      invoiceToken: newInvoiceToken(),
      at: h.clock.now(),
    });
    const [before] = await query<{ stock: number }>(db, sql`select stock from products where id = 'ZT-0002'`);
    await expect(db.transaction((tx) => placeOrder(tx, draft('k1', 2)))).rejects.toBeInstanceOf(StockChanged);
    expect(await query(db, sql`select 1 from orders`)).toEqual([]);
    expect((await query<{ stock: number }>(db, sql`select stock from products where id = 'ZT-0002'`))[0]).toEqual(before);
    // enough stock: placed; the same source key again: nothing
    expect(await db.transaction((tx) => placeOrder(tx, draft('k2', 1)))).toEqual(expect.any(Number));
    expect(await db.transaction((tx) => placeOrder(tx, draft('k2', 1)))).toBeNull();
    expect(await query(db, sql`select stock from products where id in ('ZT-0001', 'ZT-0002') order by id`)).toEqual([
      { stock: 0 },
      { stock: before!.stock - 1 },
    ]);
  });
});
