import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { FakeGraphApi } from './fakes/graph-api.ts';
import { FakeOpenAI, RATE_LIMITED, SERVER_ERROR } from './fakes/openai.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

describe.each(backends())('assistant with the model ($name)', (backend) => {
  let graph: FakeGraphApi;
  let model: FakeOpenAI;
  let h: Harness;
  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    model = await new FakeOpenAI().start();
  });
  afterEach(async () => {
    await h?.close();
    model.reset();
  });
  afterAll(async () => {
    await graph.stop();
    await model.stop();
    await backend.cleanup();
  });

  const start = (env: Record<string, string> = {}) =>
    startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url, ...env } });
  const say = async (from: string, body: string) => {
    await h.post(textWebhook({ from, body, at: h.clock.now() }));
    await h.drain();
    return graph.sendsTo(from).at(-1)!.body;
  };
  const db = () => h.services.database.db;

  it('runs the tool loop: search, then the model’s words over the products the tool found', async () => {
    h = await start();
    model.push(
      { toolCalls: [{ name: 'search_products', args: { query: 'диван', color: 'серый', max_price: 300000 } }], usage: { prompt: 500, completion: 30 } },
      { content: 'Вот серые диваны до 300 тысяч 👇', usage: { prompt: 900, completion: 15 } },
    );
    const reply = await say('77020000001', 'хочу серый диван до 300 тысяч');
    expect(reply.type).toBe('interactive');
    expect(reply.interactive.body.text).toBe('Вот серые диваны до 300 тысяч 👇');
    const rowIds = reply.interactive.action.sections[0].rows.map((r: any) => r.id);

    expect(model.requests).toHaveLength(2);
    expect(model.requests[0]!.tools.map((t: any) => t.function.name)).toEqual([
      'search_products',
      'get_recommendations',
      'get_product_details',
      'set_price_alert',
      'track_preference',
      'add_to_cart',
      'view_cart',
      'checkout',
      'escalate_to_manager',
    ]);
    const toolMsg = model.requests[1]!.messages.at(-1);
    expect(toolMsg.role).toBe('tool');
    const result = JSON.parse(toolMsg.content);
    expect(result.products.map((p: any) => p.id)).toEqual(rowIds);
    for (const p of result.products) expect(p).toMatchObject({ color: 'серый', category: 'Диваны' });
    expect(Math.max(...result.products.map((p: any) => p.price))).toBeLessThanOrEqual(300000);

    const usage = await query<{ data: any }>(db(), sql`select data from analytics_events where kind = 'model_usage'`);
    expect(usage.map((u) => u.data)).toEqual([{ model: 'gpt-4o-mini', calls: 2, promptTokens: 1400, completionTokens: 45 }]);
  });

  it('cart tools: "add two of these" puts the product in this shopper’s cart; "checkout" asks delivery or pickup under the model’s words', async () => {
    h = await start();
    const [p] = await query<{ id: string; name: string }>(db(), sql`select id, name from products where stock > 3 order by id limit 1`);
    // a model that names another shopper or asks for more than the stock still acts for the sender, within the stock
    model.push({ toolCalls: [{ name: 'add_to_cart', args: { product_id: p!.id, quantity: 2, shopper: '77029999999' } }] }, { content: 'Добавил две штуки 👍' });
    const added = await say('77020000050', 'добавь две штуки');
    expect(added.interactive.body.text).toBe('Добавил две штуки 👍');
    expect(added.interactive.action.buttons.map((b: any) => b.reply.id)).toEqual(['checkout', 'cart', 'manager']);
    const toolResult = JSON.parse(model.requests[1]!.messages.at(-1).content);
    expect(toolResult).toMatchObject({
      ok: true,
      product_id: p!.id,
      quantity_in_cart: 2,
      cart: { items: 2, lines: [{ product_id: p!.id, name: p!.name, quantity: 2 }] },
    });
    expect(await query(db(), sql`select shopper_key, product_id, quantity from cart_lines`)).toEqual([
      { shopper_key: '77020000050', product_id: p!.id, quantity: 2 },
    ]);

    model.push(
      { toolCalls: [{ name: 'view_cart', args: {} }] },
      { toolCalls: [{ name: 'checkout', args: {} }] },
      { content: 'Оформляем! Как удобнее получить?' },
    );
    const how = await say('77020000050', 'оформи заказ');
    expect(how.interactive.body.text).toBe('Оформляем! Как удобнее получить?');
    expect(how.interactive.action.buttons.map((b: any) => b.reply.id)).toEqual(['ship:delivery', 'ship:pickup', 'checkout:cancel']);
    const [c] = await query<{ checkout: any }>(db(), sql`select checkout from carts where shopper_key = '77020000050'`);
    expect(typeof c!.checkout === 'string' ? JSON.parse(c!.checkout) : c!.checkout).toEqual({ step: 'fulfilment' });
  });

  it('keeps exactly the last 10 messages of context, each answer noting what it showed', async () => {
    h = await start({ CONTEXT_MESSAGES: '10' });
    model.push({ toolCalls: [{ name: 'search_products', args: { query: 'кресло' } }] }, { content: 'Кресла' });
    await say('77020000002', 'покажи кресла');
    for (let i = 2; i <= 6; i++) await say('77020000002', `вопрос ${i}`);
    model.reset();
    await say('77020000002', 'а второе?');
    const msgs = model.requests[0]!.messages;
    expect(msgs[0].role).toBe('system');
    expect(msgs.slice(1, -1)).toHaveLength(10);
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'а второе?' });
    // the oldest turn (the armchairs) fell out; the window starts with "вопрос 2"
    expect(msgs[1]).toEqual({ role: 'user', content: 'вопрос 2' });
  });

  it('an answer that showed products names them in the context, so "the second one" resolves', async () => {
    h = await start();
    model.push({ toolCalls: [{ name: 'search_products', args: { query: 'кресло' } }] }, { content: 'Кресла' });
    const list = await say('77020000003', 'покажи кресла');
    const second = list.interactive.action.sections[0].rows[1].id;
    model.push({ content: 'Это второе' });
    await say('77020000003', 'расскажи про второе');
    const assistantTurn = model.requests[2]!.messages.find((m: any) => m.role === 'assistant');
    expect(assistantTurn.content).toContain(`2) ${second}`);
  });

  it('tools act for the webhook’s shopper whatever the arguments say', async () => {
    h = await start();
    model.push(
      { toolCalls: [{ name: 'set_price_alert', args: { product_id: 'ZT-0001', drop_percent: 10, shopper: '77029999999', wa_id: '77029999999' } }] },
      { toolCalls: [{ name: 'track_preference', args: { budget_max: 250000, shopper_key: '77029999999' } }] },
      { content: 'Готово' },
    );
    await say('77020000004', 'следи за ценой первого');
    const alerts = await query<{ shopper_key: string; product_id: string }>(db(), sql`select shopper_key, product_id from price_alerts`);
    expect(alerts).toEqual([{ shopper_key: '77020000004', product_id: 'ZT-0001' }]);
    const prefs = await query<{ shopper_key: string }>(db(), sql`select shopper_key from preferences`);
    expect(prefs.map((p) => p.shopper_key)).toEqual(['77020000004']);
  });

  it('bad tool arguments come back to the model as readable errors', async () => {
    h = await start();
    model.push(
      {
        toolCalls: [
          { name: 'get_product_details', args: '{not json' },
          { name: 'no_such_tool', args: {} },
          { name: 'set_price_alert', args: { drop_percent: 10 } },
        ],
      },
      { content: 'Уточните' },
    );
    await say('77020000005', 'что-то');
    const tools = model.requests[1]!.messages.filter((m: any) => m.role === 'tool').map((m: any) => JSON.parse(m.content).error);
    expect(tools).toEqual(['arguments are not valid JSON', 'unknown tool no_such_tool', expect.stringContaining('invalid arguments: product_id')]);
  });

  it('the loop is bounded: the last round is asked without tools', async () => {
    h = await start({ OPENAI_MAX_ROUNDS: '3' });
    for (let i = 0; i < 5; i++) model.push({ toolCalls: [{ name: 'search_products', args: { query: 'стул' } }] });
    await say('77020000006', 'стулья');
    expect(model.requests).toHaveLength(3);
    expect(model.requests[2]!.tools).toBeUndefined();
  });

  it.each([
    ['a 500', SERVER_ERROR],
    ['a 429', RATE_LIMITED],
  ])('on %s the offline assistant answers', async (_, fault) => {
    h = await start();
    model.push(fault);
    const reply = await say('77020000007', 'хочу серый диван до 300 тысяч');
    expect(reply.interactive.body.text).toBe('Вот что нашлось (серый, диван, до 300\u00a0000\u00a0₸):');
    const ev = await query<{ kind: string }>(db(), sql`select kind from analytics_events where kind = 'offline_answer'`);
    expect(ev).toHaveLength(1);
  });

  it('on a timeout the offline assistant answers', async () => {
    h = await start({ OPENAI_TIMEOUT_MS: '200' });
    model.push({ hang: true });
    const reply = await say('77020000008', 'привет');
    expect(reply.text.body).toMatch(/^Здравствуйте, Test Shopper! Я помощник магазина Vitrina/);
  });

  it('asks the model to answer in the shopper’s language', async () => {
    h = await start();
    model.push({ content: 'Сәлеметсіз бе!' }, { content: 'Hello!' });
    await say('77020000009', 'Сәлем, маған диван керек');
    expect(model.requests[0]!.messages[0].content).toContain('Always answer in Kazakh.');
    await say('77020000009', 'I need a sofa');
    expect(model.requests[1]!.messages[0].content).toContain('Always answer in English.');
  });
});
