import { createReadStream } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

/**
 * A 1C:УТ 11 catalog whose trousers come in five sizes and two colours (test/fixtures/real/
 * ut11-*.xml), chatted with through the offline assistant: the trousers are one row, their card
 * offers the sizes, and «52 размер» or «в синем» opens that variant.
 */
const fixture = (name: string) => new URL(`./fixtures/real/${name}`, import.meta.url).pathname;

describe.each(backends())('variants in the chat ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const start = async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { BOT: 'assistant', DEMO_CATALOG: 'off' } });
    for (const file of ['ut11-import.xml', 'ut11-offers.xml']) {
      const r = await h.services.catalogWrites.commerceML(() => createReadStream(fixture(file)));
      expect(r.ok).toBe(true);
    }
  };
  const say = async (from: string, body: string) => {
    await h.post(textWebhook({ from, body, at: h.clock.now() }));
    await h.drain();
    return graph.sendsTo(from).at(-1)!.body;
  };
  const tap = async (from: string, id: string, title: string) => {
    await h.post(
      messagesWebhook(from, [
        {
          from,
          id: `wamid.tap.${Math.random()}`,
          timestamp: unixSeconds(h.clock.now()),
          type: 'interactive',
          interactive: { type: 'list_reply', list_reply: { id, title } },
        },
      ]),
    );
    await h.drain();
    return graph.sendsTo(from).at(-1)!.body;
  };

  it('one row per product with its price range and sizes; «52 размер» opens the size 52, «в синем» a blue one, and the cart takes that variant', async () => {
    await start();
    const from = '77031000001';
    const list = await say(from, 'брюки');
    const rows = list.interactive.action.sections[0].rows;
    // five sizes in two colours are one row; two names alike in their first 24 characters keep what tells them apart
    expect(rows.map((r: { title: string; description: string }) => [r.title, r.description])).toEqual([
      ['Брюки … шерстяные', '6\u00a0900\u00a0₽ – 7\u00a0300\u00a0₽ · Размер: 46, 48, 50, 52, 54 · Цвет: синий, серый'],
      ['Брюки … шерстяные зауже…', '8\u00a0100\u00a0₽'],
    ]);
    const trousers = rows.filter((r: { title: string }) => r.title === 'Брюки … шерстяные');

    // the row opens a variant's card, which names the others
    const card = await tap(from, trousers[0].id, trousers[0].title);
    expect(card.interactive.type).toBe('button');
    expect(card.interactive.body.text).toBe(
      '*Брюки классические шерстяные (46, синий)*\n6\u00a0900\u00a0₽\nсиний · шерсть\nв наличии\nРазмер: *46* · 48 · 50 · 52 · 54\nЦвет: *синий* · серый\nЕсть и другие варианты — напишите нужный, например «48, серый».',
    );

    const v52 = await say(from, '52 размер');
    expect(v52.interactive.body.text).toMatch(/^\*Брюки классические шерстяные \(52, серый\)\*\n7\u00a0200\u00a0₽\n/);
    expect(v52.interactive.body.text).toContain('Размер: 46 · 48 · 50 · *52* · 54');
    expect(v52.interactive.action.buttons[0].reply.id).toBe('cart+:pants-classic#size-52-grey');

    const blue = await say(from, 'а в синем есть?');
    expect(blue.interactive.body.text).toMatch(/^\*Брюки классические шерстяные \(\d\d, синий\)\*/);

    await tap(from, 'cart+:pants-classic#size-52-grey', '🛒 В корзину');
    // the cart holds the variant, not the product it belongs to
    const [line] = await query<{ product_id: string }>(h.services.database.db, sql`select product_id from cart_lines`);
    expect(line).toEqual({ product_id: 'pants-classic#size-52-grey' });
  });

  it('a catalog priced in roubles in a store set up in tenge: «до 7000 рублей» is read and said in roubles', async () => {
    await start();
    const from = '77031000002';
    await say(from, 'брюки до 7000 рублей');
    const texts = graph.sendsTo(from).map((m) => m.body.text?.body ?? m.body.interactive?.body?.text);
    // the trousers at 6 900 and 7 000 ₽ are one product: its card, on the cheapest variant, in one message under the words
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Вот что нашлось \(брюки, до 7\u00a0000\u00a0₽\):\n\n\*Брюки классические шерстяные \(46, синий\)\*\n6\u00a0900\u00a0₽\n/);
  });

  it('a YML feed’s offers that share a group_id are one product: one row named by the words they share, «размер M» opens M', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { BOT: 'assistant', DEMO_CATALOG: 'off' } });
    const r = await h.services.catalogWrites.stream({
      source: 'file',
      body: createReadStream(fixture('yml-group-variants.xml')),
      declaredLength: null,
      replace: false,
    });
    expect(r).toMatchObject({ ok: true, format: 'yml' });
    const from = '77031000003';
    const list = await say(from, 'куртки');
    expect(list.interactive.action.sections[0].rows.map((x: { title: string; description: string }) => [x.title, x.description])).toEqual([
      ['Куртка демисезонная Nor…', '29\u00a0990\u00a0₸ · синий'],
      ['Куртка зимняя Nord Storm', '39\u00a0990\u00a0₸ – 43\u00a0990\u00a0₸ · Размер: S, M, L'],
    ]);
    const m = await say(from, 'размер M');
    expect(m.interactive.body.text).toMatch(/^\*Куртка зимняя Nord Storm \(M\)\*\n41\u00a0990\u00a0₸\n/);
    expect(m.interactive.action.buttons[0].reply.id).toBe('cart+:501-m');
  });
});
