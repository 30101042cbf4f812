import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('offline assistant ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const start = (env: Record<string, string> = {}) => startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ...env } });
  const say = async (from: string, body: string) => {
    await h.post(textWebhook({ from, body, at: h.clock.now() }));
    await h.drain();
    return graph.sendsTo(from).at(-1)!.body;
  };
  const tap = async (from: string, id: string, title: string) => {
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        { from, id: `wamid.tap.${Math.random()}`, timestamp: ts, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } },
      ]),
    );
    await h.drain();
    return graph.sendsTo(from).at(-1)!.body;
  };

  it('answers in the shopper’s language: ru, kk, en', async () => {
    h = await start();
    expect((await say('77030000001', 'привет')).text.body).toMatch(/^Здравствуйте/);
    expect((await say('77030000001', 'Сәлем')).text.body).toMatch(/^Сәлеметсіз бе/);
    expect((await say('77030000001', 'hello')).text.body).toMatch(/^Hello/);
    const kk = await say('77030000001', 'маған 200 мың теңгеге дейін сұр кресло керек');
    expect(kk.interactive?.body.text ?? kk.text.body).toMatch(/^(Міне, табылғандар \(сұр, кресло, 200\u00a0000\u00a0₸ дейін\)|Дәл «)/);
    const en = await say('77030000001', 'grey sofa under 300k');
    expect(en.interactive.body.text).toBe('Here is what I found (grey, sofa, up to ₸300,000):');
    expect(en.interactive.action.button).toBe('Choose');
  });

  it('remembers the budget from the words and keeps using it', async () => {
    h = await start();
    await say('77030000002', 'хочу серый диван до 300 тысяч');
    const [prefs] = await query<{ data: any }>(h.services.database.db, sql`select data from preferences where shopper_key = '77030000002'`);
    expect(prefs!.data).toMatchObject({ budgetMax: 300000, colors: ['серый'], categories: ['Диваны'] });
    const armchairs = await say('77030000002', 'а кресла?');
    const ids = armchairs.interactive.action.sections[0].rows.map((r: any) => r.id);
    const prices = await query<{ price: number }>(
      h.services.database.db,
      sql`select price::float8 as price from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    expect(Math.max(...prices.map((p) => p.price))).toBeLessThanOrEqual(300000 * 100);
  });

  it('a thing the store does not sell, with a budget: no cheap products under the budget, but what the store does sell', async () => {
    h = await start();
    const from = '77030000009';
    const sentBefore = graph.sendsTo(from).length;
    const reply = await say(from, 'холодильник до 150 тысяч');
    expect(graph.sendsTo(from).slice(sentBefore)).toHaveLength(1);
    expect(reply.type).toBe('text');
    expect(reply.text.body).toBe('Похоже, «холодильник» у нас нет. В магазине есть: Диваны, Кресла, Столы, Стулья, Кровати, Освещение.');
    // "fridge" is not a typo of a catalog word that drops its first letter
    expect((await say(from, 'fridge under 300k')).text.body).toMatch(/^It looks like we don't have “fridge”\. The store has: /);
    // a category the store has keeps its products when the extra words are unknown
    expect((await say(from, 'диван для детского сада')).interactive.type).toBe('list');
  });

  it('where the store is, its hours and delivery are answered from store.yaml, in the shopper’s language; a person is asked for in any words', async () => {
    h = await start();
    const from = '77030000011';
    expect((await say(from, 'где находится ваш магазин?')).text.body).toBe('Наш адрес: Алматы, пр. Абая 150, ТЦ «Forum», 2 этаж.');
    expect((await say(from, 'до скольки вы работаете?')).text.body).toBe('Мы работаем ежедневно с 10:00 до 21:00.');
    expect((await say(from, 'вы доставляете в Караганду?')).text.body).toBe(
      'Доставляем по Казахстану: по Алматы — бесплатно от 200 000 ₸, в другие города — транспортной компанией, 2–5 дней.',
    );
    expect((await say(from, 'what are your opening hours?')).text.body).toBe('We are open daily from 10:00 to 21:00.');
    expect((await say(from, 'дүкен қайда орналасқан?')).text.body).toBe('Мекенжайымыз: Алматы, Абай даңғылы 150, «Forum» СО, 2-қабат.');
    const person = await say(from, 'I want to talk to a person');
    expect(person.text?.body ?? person.interactive?.body.text).toMatch(/handing the conversation to a manager/);
  });

  it('"the second one" opens the second product of the last list', async () => {
    h = await start();
    const list = await say('77030000003', 'покажи кресла');
    const second = list.interactive.action.sections[0].rows[1];
    const card = await say('77030000003', 'второй');
    expect(card.interactive.action.buttons[1].reply.id).toBe(`alert:${second.id}`);
  });

  it('«второй» after a card and a price-alert dialog still means the last list', async () => {
    h = await start();
    const from = '77030000010';
    const list = await say(from, 'покажи кресла');
    const [first, second] = list.interactive.action.sections[0].rows;
    const card = await say(from, 'первый');
    expect(card.interactive.action.buttons[1].reply.id).toBe(`alert:${first.id}`);
    await tap(from, `alert:${first.id}`, '🔔 Следить за ценой');
    await tap(from, `alert:${first.id}:10`, 'Скидка от 10 %');
    const again = await say(from, 'второй');
    expect(again.interactive.action.buttons[1].reply.id).toBe(`alert:${second.id}`);
  });

  it('«а подешевле?» after a list that held the cheapest says so and shows the cheapest again', async () => {
    h = await start();
    const from = '77030000012';
    const list = await say(from, 'покажи кресла');
    const ids = list.interactive.action.sections[0].rows.map((r: { id: string }) => r.id);
    const [cheapest] = await query<{ id: string }>(
      h.services.database.db,
      sql`select id from products where active and category = 'Кресла' order by price, id limit 1`,
    );
    expect(ids).toContain(cheapest!.id);
    await say(from, 'а подешевле?');
    // one message: the words above the cheapest one's card
    const card = graph.sendsTo(from).at(-1)!.body;
    expect(card.interactive.body.text.split('\n')[0]).toBe('Дешевле у нас нет — вот самый доступный из показанных:');
    expect(card.interactive.action.buttons[1].reply.id).toBe(`alert:${cheapest!.id}`);
  });

  it('price alert through buttons: one active alert per shopper and product, replaced not doubled', async () => {
    h = await start();
    const choose = await tap('77030000004', 'alert:ZT-0002', '🔔 Следить за ценой');
    expect(choose.interactive.action.buttons.map((b: any) => b.reply.id)).toEqual(['alert:ZT-0002:any', 'alert:ZT-0002:10', 'alert:ZT-0002:20']);
    await tap('77030000004', 'alert:ZT-0002:10', 'Скидка от 10 %');
    const done = await tap('77030000004', 'alert:ZT-0002:20', 'Скидка от 20 %');
    expect(done.text.body).toMatch(/^Готово! Сообщу, когда «.+» будет стоить .+\u00a0₸ или меньше\.$/);
    const alerts = await query<{ kind: string; percent: number; target: number; base: number }>(
      h.services.database.db,
      sql`select kind, percent, target_price::float8 as target, base_price::float8 as base from price_alerts where shopper_key = '77030000004' and status = 'active'`,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'percent', percent: 20 });
    expect(alerts[0]!.target).toBe(Math.round(alerts[0]!.base * 0.8));
  });

  it('"Похожие" lists products like it, not the product itself', async () => {
    h = await start();
    const similar = await tap('77030000005', 'similar:ZT-0002', 'Похожие');
    const ids = similar.interactive.action.sections[0].rows.map((r: any) => r.id);
    expect(ids).not.toContain('ZT-0002');
    const cats = await query<{ category: string }>(
      h.services.database.db,
      sql`select distinct category from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    expect(cats).toEqual([{ category: 'Диваны' }]);
  });

  it('recommendations skip what the shopper already viewed', async () => {
    h = await start();
    const list = await say('77030000006', 'покажи столы');
    const first = list.interactive.action.sections[0].rows[0];
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77030000006', [
        {
          from: '77030000006',
          id: 'wamid.lr.1',
          timestamp: ts,
          type: 'interactive',
          interactive: { type: 'list_reply', list_reply: { id: first.id, title: first.title } },
        },
      ]),
    );
    await h.drain();
    const recs = await say('77030000006', 'посоветуй что-нибудь');
    expect(recs.interactive.action.sections[0].rows.map((r: any) => r.id)).not.toContain(first.id);
  });

  it('a flood gets one polite notice and then silence until the minute passes', async () => {
    h = await start({ FLOOD_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 6; i++) await h.post(textWebhook({ from: '77030000007', body: `привет ${i}`, at: h.clock.now() }));
    await h.drain();
    const bodies = graph.sendsTo('77030000007').map((s) => s.body.text?.body ?? s.body.type);
    expect(bodies).toHaveLength(4);
    expect(bodies[3]).toBe('Вы пишете очень часто. Я отвечу на следующее сообщение через минуту.');
    h.clock.advance(61_000);
    await say('77030000007', 'привет');
    expect(graph.sendsTo('77030000007')).toHaveLength(5);
  });

  it('a reaction, "ok", «спасибо», «рахмет» and 👍 get no reply (each would be billed); thanks with a question is answered', async () => {
    h = await start();
    const shopper = '77030000009';
    await say(shopper, 'серый диван');
    const before = graph.sendsTo(shopper).length;
    const [first] = graph.sendsTo(shopper);
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(shopper, [{ from: shopper, id: 'wamid.react.1', timestamp: ts, type: 'reaction', reaction: { message_id: first!.wamid, emoji: '👍' } }]),
    );
    for (const words of ['ok', 'Спасибо!', 'спасибо большое', 'рахмет', 'Рақмет сізге', 'ок, понял', 'thanks a lot', '👍', '🙏🙏'])
      await h.post(textWebhook({ from: shopper, body: words, at: h.clock.now() }));
    await h.drain();
    expect(graph.sendsTo(shopper)).toHaveLength(before);
    // the words were taken (the inbox is done), only no reply went out
    const [open] = await query<{ n: number }>(
      h.services.database.db,
      sql`select count(*)::int as n from inbox where shopper_key = ${shopper} and status <> 'done'`,
    );
    expect(open!.n).toBe(0);
    const answered = await say(shopper, 'спасибо, а есть диван подешевле?');
    expect(graph.sendsTo(shopper).length).toBeGreaterThan(before);
    expect(answered.interactive?.body.text ?? answered.text?.body).toBeTruthy();
  });

  it('an unsupported message gets a clear answer', async () => {
    h = await start();
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77030000008', [
        { from: '77030000008', id: 'wamid.st.1', timestamp: ts, type: 'sticker', sticker: { id: '1', mime_type: 'image/webp' } },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo('77030000008')[0]!.body.text.body).toBe('Пока я понимаю текст и кнопки. Напишите, что вы ищете 🙂');
  });
});
