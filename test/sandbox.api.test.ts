import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const envelope = (phone: string, message: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: 'sandbox',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: 'sandbox', phone_number_id: 'sandbox' },
            contacts: [{ profile: { name: 'Айгерим' }, wa_id: phone }],
            messages: [{ from: phone, id: `wamid.sandbox.${Math.random()}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
          },
        },
      ],
    },
  ],
});

describe.each(backends())('sandbox mode ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  const send = (phone: string, message: Record<string, unknown>) =>
    h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope(phone, message)) });
  const outbound = async (phone: string) => {
    const res = await h.app.request(`/sandbox/api/chats/${phone}/messages`);
    return ((await res.json()).messages as Array<{ direction: string; message: any }>).filter((e) => e.direction === 'out').map((e) => e.message);
  };

  it('without WHATSAPP_TOKEN the page is served and messages go through the same inbox and outbox', async () => {
    h = await startHarness({ backend });
    expect(h.services.sandbox).not.toBeNull();
    const page = await h.app.request('/sandbox');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Vitrina · WhatsApp sandbox</title>');

    const res = await send('77019990001', { type: 'text', text: { body: 'меню' } });
    expect(res.status).toBe(200);
    await h.drain();
    const [list] = await outbound('77019990001');
    expect(list).toMatchObject({ to: '+77019990001', type: 'interactive', interactive: { type: 'list', action: { button: 'Каталог' } } });

    // Tapping a row posts the list_reply webhook Meta would send.
    const row = list.interactive.action.sections[0].rows[1];
    await send('77019990001', { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: row.id, title: row.title, description: row.description } } });
    await h.drain();
    expect((await outbound('77019990001')).at(-1)).toMatchObject({ type: 'text', text: { body: 'Вы выбрали: Кресла' } });
  });

  it('the sandbox page refuses what is not a webhook', async () => {
    h = await startHarness({ backend });
    const res = await h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nope":1}' });
    expect(res.status).toBe(400);
  });
});
