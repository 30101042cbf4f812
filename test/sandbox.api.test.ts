import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { FakeOpenAI } from './fakes/openai.ts';
import { backends } from './helpers/backends.ts';
import { messagesEnvelope } from '../src/webhook/envelopes.ts';
import { startHarness, type Harness, unixSeconds } from './helpers/harness.ts';

const envelope = (phone: string, message: Record<string, unknown>) =>
  messagesEnvelope({
    phoneNumberId: 'sandbox',
    displayPhoneNumber: 'sandbox',
    wabaId: 'sandbox',
    from: phone,
    name: 'Айгерим',
    messages: [{ from: phone, id: `wamid.sandbox.${Math.random()}`, timestamp: unixSeconds(), ...message }],
  });

describe.each(backends())('sandbox mode, offline assistant, demo catalog ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  const send = (phone: string, message: Record<string, unknown>) =>
    h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope(phone, message)) });
  const outbound = async (phone: string) => {
    const res = await h.app.request(`/sandbox/api/chats/${phone}/messages`);
    return ((await res.json()).messages as Array<{ direction: string; message: any }>).filter((e) => e.direction === 'out').map((e) => e.message);
  };

  it('grey sofas within the budget → a list; a tap → the card; "позовите менеджера" → the handoff starts', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    expect(h.services.sandbox).not.toBeNull();
    const page = await h.app.request('/sandbox');
    expect(await page.text()).toContain('<title>Vitrina Home · WhatsApp sandbox</title>');

    expect((await send('77019990001', { type: 'text', text: { body: 'хочу серый диван до 300 тысяч' } })).status).toBe(200);
    await h.drain();
    const [list] = await outbound('77019990001');
    expect(list).toMatchObject({ to: '+77019990001', type: 'interactive', interactive: { type: 'list', action: { button: 'Выбрать' } } });
    expect(list.interactive.body.text).toBe('Вот что нашлось (серый, диван, до 300\u00a0000\u00a0₸):');
    const rows = list.interactive.action.sections[0].rows as Array<{ id: string; title: string; description: string }>;
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const ids = rows.map((r) => r.id);
    const products = await query<{ id: string; color: string; category: string; price: number }>(
      h.services.database.db,
      sql`select id, color, category, price::float8 as price from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    for (const p of products) expect(p).toMatchObject({ color: 'серый', category: 'Диваны' });
    expect(Math.max(...products.map((p) => p.price))).toBeLessThanOrEqual(300_000 * 100);

    const row = rows[0]!;
    await send('77019990001', {
      type: 'interactive',
      interactive: { type: 'list_reply', list_reply: { id: row.id, title: row.title, description: row.description } },
    });
    await h.drain();
    const card = (await outbound('77019990001')).at(-1);
    expect(card.interactive.type).toBe('button');
    expect(card.interactive.body.text).toMatch(/^\*Диван .* серый\*\n\d{3}\u00a0\d{3}\u00a0₸/);
    expect(card.interactive.action.buttons.map((b: any) => b.reply)).toEqual([
      { id: `cart+:${row.id}`, title: '🛒 В корзину' },
      { id: `alert:${row.id}`, title: '🔔 Следить за ценой' },
      { id: `similar:${row.id}`, title: 'Похожие' },
    ]);
    const views = await query<{ product_id: string }>(h.services.database.db, sql`select product_id from product_views where shopper_key = '77019990001'`);
    expect(views).toEqual([{ product_id: row.id }]);

    await send('77019990001', { type: 'text', text: { body: 'позовите менеджера' } });
    await h.drain();
    expect((await outbound('77019990001')).at(-1)).toMatchObject({ type: 'text', text: { body: 'Передаю разговор менеджеру — он скоро ответит здесь же.' } });
    const esc = await query<{ status: string; reason: string }>(
      h.services.database.db,
      sql`select status, reason from escalations where shopper_key = '77019990001'`,
    );
    expect(esc).toEqual([{ status: 'open', reason: 'shopper asked for a person' }]);
  });

  it('the sandbox page refuses what is not a webhook', async () => {
    h = await startHarness({ backend });
    const res = await h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nope":1}' });
    expect(res.status).toBe(400);
  });
});

describe('sandbox media', () => {
  const backend = backends()[0]!;
  let h: Harness;
  afterEach(() => h?.close());

  it('an uploaded photo goes through the same download path as Meta media and is answered', async () => {
    const model = await new FakeOpenAI().start();
    model.push({ content: JSON.stringify({ is_product: true, category: 'Кресла', color: 'красный', style: null, material: null, keywords: [] }) });
    h = await startHarness({ backend, env: { BOT: 'assistant', OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: model.url }, demo: true });
    const jpeg = Buffer.from(await (await import('node:fs/promises')).readFile(new URL('./fixtures/images/red-armchair.jpg', import.meta.url)));
    const up = await h.app.request('/sandbox/api/media', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    const media = (await up.json()) as { id: string; sha256: string; mime_type: string };
    expect(media.mime_type).toBe('image/jpeg');
    const served = await h.app.request(`/sandbox/media/${media.id}`);
    expect(Buffer.from(await served.arrayBuffer()).equals(jpeg)).toBe(true);
    await h.app.request('/sandbox/api/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        envelope('77019990002', { type: 'image', image: { id: media.id, mime_type: 'image/jpeg', sha256: media.sha256, caption: 'красное кресло' } }),
      ),
    });
    await h.drain();
    const res = await h.app.request('/sandbox/api/chats/77019990002/messages');
    const out = ((await res.json()).messages as Array<{ direction: string; message: any }>).filter((e) => e.direction === 'out');
    expect(out.at(-1)!.message.interactive).toMatchObject({ type: 'list', body: { text: 'Похожие товары по вашему фото:' } });
    // the vision model saw exactly the uploaded bytes, fetched through the sandbox's Graph
    expect(model.requests[0]!.messages[1].content[1].image_url.url).toBe(`data:image/jpeg;base64,${jpeg.toString('base64')}`);
    await model.stop();
  });
});
