import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { FakeBitrix24 } from './fakes/bitrix24.ts';
import { FakeOpenAI, SERVER_ERROR } from './fakes/openai.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

const M1 = '77080000001';
const M2 = '77080000002';

describe.each(backends())('handing a conversation to a manager ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const start = () =>
    startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', MANAGER_PHONES: `+${M1},+${M2}`, ADMIN_TOKEN: 'adm' } });
  const say = (from: string, body: string) => h.post(textWebhook({ from, body, at: h.clock.now() }));
  const tapTake = (from: string, payload: string) =>
    h.post(
      messagesWebhook(from, [
        { from, id: `wamid.take.${from}.${Math.random()}`, timestamp: unixSeconds(h.clock.now()), type: 'button', button: { payload, text: 'Взять' } },
      ]),
    );
  const texts = (to: string) => graph.sendsTo(to).map((s) => s.body.text?.body ?? s.body.interactive?.body?.text ?? s.body.type);

  it('ask → managers notified → silence → first taker wins → relay both ways → close → the bot is back', async () => {
    h = await start();
    const shopper = '77080000100';
    await say(shopper, 'позовите менеджера');
    await h.drain();
    expect(texts(shopper)).toEqual(['Передаю разговор менеджеру — он скоро ответит здесь же.']);
    const [esc] = await query<{ id: number }>(h.services.database.db, sql`select id::int as id from escalations where shopper_key = ${shopper}`);
    for (const m of [M1, M2]) {
      const tpl = graph.sendsTo(m).at(-1)!.body.template;
      expect(tpl.name).toBe('escalation_new');
      expect(tpl.components.at(-1)).toEqual({
        type: 'button',
        sub_type: 'quick_reply',
        index: '0',
        parameters: [{ type: 'payload', payload: `take:${esc!.id}` }],
      });
    }

    await say(shopper, 'алло?');
    await h.drain();
    expect(texts(shopper)).toHaveLength(1); // the bot stays quiet: it has just said a manager will answer

    // later, still waiting: told so once, with the working hours (the harness's: all day)
    h.clock.advance(10 * 60_000);
    await say(shopper, 'есть кто-нибудь?');
    await say(shopper, 'ау');
    await say(shopper, 'спасибо');
    await h.drain();
    expect(texts(shopper).slice(1)).toEqual(['Ваш запрос ждёт менеджера — он ответит здесь, в этом чате. Мы работаем 00:00–24:00.']);

    await tapTake(M1, `take:${esc!.id}`);
    await tapTake(M2, `take:${esc!.id}`);
    await h.drain();
    // both tapped in the same moment: exactly one wins, the other is told twice
    const mine = `Запрос #${esc!.id} ваш. Пишите — сообщения уйдут покупателю.`;
    const winners = [M1, M2].filter((m) => texts(m).includes(mine));
    expect(winners).toHaveLength(1);
    const [winner] = winners as [string];
    const loser = winner === M1 ? M2 : M1;
    expect(texts(loser)).toEqual(expect.arrayContaining([`Запрос #${esc!.id} уже взят или закрыт.`, `Запрос #${esc!.id} взял другой менеджер.`]));

    await say(winner, 'Здравствуйте! Чем помочь?');
    await h.drain();
    expect(texts(shopper).at(-1)).toBe('Здравствуйте! Чем помочь?');
    await say(shopper, 'Нужен диван');
    await h.drain();
    expect(texts(winner).at(-1)).toBe(`👤 Test Shopper (#${esc!.id}): Нужен диван`);

    // a photo from the shopper reaches the manager as a photo (downloaded, uploaded again)
    const photo = Buffer.from('\xff\xd8\xff fake jpeg bytes', 'binary');
    graph.addMedia('shopper-photo', photo, 'image/jpeg');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(shopper, [
        {
          from: shopper,
          id: 'wamid.handoff.photo',
          timestamp: ts,
          type: 'image',
          image: { id: 'shopper-photo', mime_type: 'image/jpeg', caption: 'вот такой' },
        },
      ]),
    );
    await h.drain();
    const forwarded = graph.sendsTo(winner).at(-1)!.body;
    expect(forwarded.type).toBe('image');
    expect(graph.uploads.map((u) => u.id)).toContain(forwarded.image.id);
    expect(texts(winner).at(-2)).toBe(`👤 Test Shopper (#${esc!.id}): вот такой`);
    // and a voice note from the manager reaches the shopper as a voice note
    graph.addMedia('manager-voice', Buffer.from('OggS manager voice'), 'audio/ogg');
    await h.post(
      messagesWebhook(winner, [
        { from: winner, id: 'wamid.handoff.voice', timestamp: ts, type: 'audio', audio: { id: 'manager-voice', mime_type: 'audio/ogg', voice: true } },
      ]),
    );
    await h.drain();
    const toShopper = graph.sendsTo(shopper).at(-1)!.body;
    expect(toShopper.type).toBe('audio');
    expect(graph.uploads.map((u) => u.id)).toContain(toShopper.audio.id);

    await say(winner, '/close');
    await h.drain();
    expect(texts(shopper).at(-1)).toBe('Менеджер завершил разговор. Я снова на связи — чем помочь?');
    await say(shopper, 'привет');
    await h.drain();
    expect(texts(shopper).at(-1)).toMatch(/^Здравствуйте, Test Shopper!/);
  });

  it('the model failing twice in a row hands over; a catalog order goes to checkout, not to a person', async () => {
    const model = new FakeOpenAI();
    await model.start();
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', MANAGER_PHONES: `+${M1}`, OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: model.url },
    });
    const reasons = async (who: string) =>
      (await query<{ reason: string }>(h.services.database.db, sql`select reason from escalations where shopper_key = ${who}`)).map((r) => r.reason);
    model.push(SERVER_ERROR, SERVER_ERROR);
    await say('77080000301', 'какой-то вопрос');
    await say('77080000301', 'ещё вопрос');
    await h.drain();
    expect(await reasons('77080000301')).toEqual(['the assistant failed twice in a row']);
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77080000302', [
        {
          from: '77080000302',
          id: 'wamid.order.1',
          timestamp: ts,
          type: 'order',
          order: { catalog_id: 'c1', text: '', product_items: [{ product_retailer_id: 'ZT-0001', quantity: 2, item_price: 183990, currency: 'KZT' }] },
        },
      ]),
    );
    await h.drain();
    expect(await reasons('77080000302')).toEqual([]);
    expect(graph.sendsTo('77080000302').at(-1)!.body.interactive.body.text).toBe('Как вам удобнее получить заказ?');
    await model.stop();
  });

  it('with a model, managers get a model-written summary; without one, the digest', async () => {
    const model = new FakeOpenAI();
    await model.start();
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', MANAGER_PHONES: `+${M1}`, OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: model.url },
    });
    model.push(
      { toolCalls: [{ name: 'escalate_to_manager', args: { reason: 'хочет оформить заказ' } }] },
      { content: 'Хочет серый диван до 300 000 ₸, готова оформить.' },
      { content: 'Передаю менеджеру.' },
    );
    await say('77080000500', 'хочу оформить серый диван до 300 тысяч, позовите человека');
    await h.drain();
    expect(model.requests[1]!.messages[0].content).toMatch(/^Summarize for a store manager/);
    expect(model.requests[1]!.messages[1].content).toContain('⭐ budget up to 300000 KZT');
    const [row] = await query<{ summary: string; reason: string }>(
      h.services.database.db,
      sql`select summary, reason from escalations where shopper_key = '77080000500'`,
    );
    expect(row).toEqual({ summary: 'Хочет серый диван до 300 000 ₸, готова оформить.', reason: 'хочет оформить заказ' });
    const tpl = graph.sendsTo(M1).at(-1)!.body.template;
    expect(tpl.components[0].parameters[2]).toEqual({ type: 'text', parameter_name: 'summary', text: 'Хочет серый диван до 300 000 ₸, готова оформить.' });
    await model.stop();
  });

  it('offline, complaint words hand the shopper to a person', async () => {
    h = await start();
    await say('77080000303', 'это ужасно, диван сломался, верните деньги');
    await h.drain();
    expect(
      (await query<{ reason: string }>(h.services.database.db, sql`select reason from escalations where shopper_key = '77080000303'`)).map((r) => r.reason),
    ).toEqual(['complaint']);
  });

  it('outside working hours the shopper is told when a person will reply', async () => {
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', MANAGER_PHONES: `+${M1}`, WORKING_HOURS: '09:00-20:00', TZ: 'Asia/Almaty' },
    });
    // move the clock to the next 03:00 in Almaty (UTC+5)
    const now = h.clock.now().getTime();
    const hourAlmaty = (new Date(now).getUTCHours() + 5) % 24;
    h.clock.advance((((27 - hourAlmaty) % 24) * 60 - new Date(now).getUTCMinutes()) * 60_000);
    await say('77080000400', 'позовите менеджера');
    await h.drain();
    expect(texts('77080000400')).toEqual(['Передал ваш запрос менеджеру. Сейчас нерабочее время — ответим с 09:00.']);
    // writing again while it waits: told when people work, once per 4 hours of waiting
    const waiting = 'Ваш запрос ждёт менеджера. Сейчас нерабочее время — ответим с 09:00.';
    h.clock.advance(10 * 60_000);
    await say('77080000400', 'алло, есть кто?');
    h.clock.advance(60 * 60_000);
    await say('77080000400', 'ответьте пожалуйста');
    await h.drain();
    expect(texts('77080000400').slice(1)).toEqual([waiting]);
    h.clock.advance(4 * 3600_000);
    await say('77080000400', 'всё ещё жду');
    await h.drain();
    expect(texts('77080000400').slice(1)).toEqual([waiting, waiting]);
  });

  it('a manager’s messages never reach the assistant', async () => {
    h = await start();
    await say(M2, 'хочу серый диван');
    await h.drain();
    expect(texts(M2).at(-1)).toBe('Команды: /list — очередь, /take N — взять, /close — завершить.');
  });

  it('SLA: not taken in time → managers reminded and the shopper told, once; quiet for 24 h → closed, the bot is back', async () => {
    h = await start();
    const shopper = '77080000102';
    const run = async () =>
      (await (await h.app.request('/admin/api/jobs/escalation-sla/run', { method: 'POST', headers: { authorization: 'Bearer adm' } })).json()).counts;
    await say(shopper, 'позовите менеджера');
    await h.drain();
    expect(await run()).toEqual({ reminded: 0, closed: 0 });
    h.clock.advance(6 * 60_000);
    expect(await run()).toEqual({ reminded: 1, closed: 0 });
    expect(await run()).toEqual({ reminded: 0, closed: 0 });
    await h.drain();
    expect(texts(shopper).filter((t) => t.startsWith('Менеджеры сейчас заняты'))).toHaveLength(1);
    for (const m of [M1, M2]) {
      const reminders = graph.sendsTo(m).filter((x) => x.body.template?.components[0].parameters[1].text.startsWith('⏰'));
      expect(reminders.length).toBeGreaterThanOrEqual(1);
    }
    h.clock.advance(25 * 3600_000);
    expect(await run()).toEqual({ reminded: 0, closed: 1 });
    await h.drain();
    await say(shopper, 'привет');
    await h.drain();
    expect(texts(shopper).at(-1)).toMatch(/^Здравствуйте, Test Shopper!/);
  });

  it('the admin API lists, takes, replies (idempotently) and closes', async () => {
    h = await start();
    const shopper = '77080000101';
    await say(shopper, 'менеджер');
    await h.drain();
    const api = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      h.app.request(`/admin/api${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: 'Bearer adm', 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const list = (await (await api('/escalations?status=open')).json()).escalations;
    expect(list).toHaveLength(1);
    const id = list[0].id;
    expect((await api(`/escalations/${id}/take`, { manager: 'console:aigerim' })).status).toBe(200);
    expect((await api(`/escalations/${id}/take`, { manager: 'console:other' })).status).toBe(409);
    for (let i = 0; i < 2; i++) expect((await api(`/escalations/${id}/reply`, { text: 'Добрый день!' }, { 'idempotency-key': 'r1' })).status).toBe(200);
    await h.drain();
    expect(texts(shopper).filter((t) => t === 'Добрый день!')).toHaveLength(1);
    expect((await api(`/escalations/${id}/close`, {})).status).toBe(200);
    expect((await api(`/escalations/${id}/close`, {})).status).toBe(409);
    expect((await api(`/escalations/${id}/reply`, { text: 'x' })).status).toBe(404);
    // closed in the console, the shopper is told the bot is back, once
    await h.drain();
    expect(texts(shopper).filter((t) => t === 'Менеджер завершил разговор. Я снова на связи — чем помочь?')).toHaveLength(1);
  });
});

describe.each(backends())('hand-off edge cases a store meets ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());
  const start = () =>
    startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', MANAGER_PHONES: `+${M1},+${M2}`, ADMIN_TOKEN: 'adm', ESCALATION_SLA_MINUTES: '5' },
    });
  const say = (from: string, body: string) => h.post(textWebhook({ from, body, at: h.clock.now() }));
  const tap = (from: string, payload: string, text: string) =>
    h.post(
      messagesWebhook(from, [
        { from, id: `wamid.tap.${from}.${Math.random()}`, timestamp: unixSeconds(h.clock.now()), type: 'button', button: { payload, text } },
      ]),
    );
  const escalationOf = async (shopper: string) =>
    (await query<{ id: number }>(h.services.database.db, sql`select id::int as id from escalations where shopper_key = ${shopper}`))[0]!.id;
  const failed = async () =>
    query<{ shopper_key: string; error_code: number }>(h.services.database.db, sql`select shopper_key, error_code from outbox where status = 'failed'`);

  it('a shopper who chatted first still reaches the managers: the digest goes out as one line Meta accepts, also in the SLA reminder', async () => {
    h = await start();
    const shopper = '77080000600';
    await say(shopper, 'хочу серый диван до 300 тысяч');
    await h.drain();
    await say(shopper, 'а угловой есть?');
    await h.drain();
    await say(shopper, 'позовите менеджера');
    await h.drain();
    await h.app.request('/admin/api/jobs/escalation-sla/run', { method: 'POST', headers: { authorization: 'Bearer adm' } });
    h.clock.advance(6 * 60_000);
    await h.app.request('/admin/api/jobs/escalation-sla/run', { method: 'POST', headers: { authorization: 'Bearer adm' } });
    await h.drain();
    expect(await failed()).toEqual([]);
    for (const m of [M1, M2]) {
      const sent = graph.sendsTo(m).map((x) => x.body.template);
      expect(sent.map((t) => t.name)).toEqual(['escalation_new', 'escalation_new']);
      const summary = sent[0].components[0].parameters[2].text as string;
      expect(summary).toContain('🧑 хочу серый диван до 300 тысяч · 🤖');
      expect(summary).not.toMatch(/[\n\t]| {5}/);
    }
  });

  it('a manager outside the 24-hour window gets escalation_message once per closed window; "Ответить" opens it and brings what waited', async () => {
    h = await start();
    const shopper = '77080000601';
    await say(shopper, 'позовите менеджера');
    await h.drain();
    const id = await escalationOf(shopper);
    await tap(M1, `take:${id}`, 'Взять');
    await h.drain();
    h.clock.advance(25 * 3600_000); // the manager has been quiet for a day
    const before = graph.sendsTo(M1).length;
    await say(shopper, 'диван ещё в наличии?');
    await h.drain();
    await say(shopper, 'жду ответа\tпожалуйста');
    await h.drain();
    const outside = graph
      .sendsTo(M1)
      .slice(before)
      .map((x) => x.body);
    expect(outside).toHaveLength(1);
    expect(outside[0]).toMatchObject({
      type: 'template',
      template: {
        name: 'escalation_message',
        language: { code: 'ru' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', parameter_name: 'customer', text: 'Test Shopper' },
              { type: 'text', parameter_name: 'request', text: String(id) },
              { type: 'text', parameter_name: 'text', text: 'диван ещё в наличии?' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: `resume:${id}` }] },
        ],
      },
    });
    // (M2, who never wrote, could not be told by text that M1 took it: that one fails with 131047)
    expect((await failed()).filter((f) => f.shopper_key !== M2)).toEqual([]);
    // the console shows every word as always
    const console_ = await (await h.app.request(`/admin/api/escalations/${id}/messages`, { headers: { authorization: 'Bearer adm' } })).json();
    expect(console_.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text)).toEqual([
      'позовите менеджера',
      'диван ещё в наличии?',
      'жду ответа\tпожалуйста',
    ]);

    await tap(M1, `resume:${id}`, 'Ответить');
    await h.drain();
    const texts = graph
      .sendsTo(M1)
      .slice(before + 1)
      .map((x) => x.body.text?.body);
    expect(texts).toEqual([
      `Вы снова на связи по запросу #${id}. Пишите — сообщения уйдут покупателю.`,
      `Пока окно было закрыто, покупатель (#${id}) написал:\n· диван ещё в наличии?\n· жду ответа\tпожалуйста`,
    ]);
    await say(shopper, 'спасибо');
    await h.drain();
    expect(graph.sendsTo(M1).at(-1)!.body.text.body).toBe(`👤 Test Shopper (#${id}): спасибо`);
  });

  it('a forwarded voice note stays a voice note and a document keeps its file name', async () => {
    h = await start();
    const shopper = '77080000602';
    await say(shopper, 'позовите менеджера');
    await h.drain();
    await tap(M2, `take:${await escalationOf(shopper)}`, 'Взять');
    await h.drain();
    graph.addMedia('voice-1', Buffer.from('OggS voice'), 'audio/ogg');
    graph.addMedia('doc-1', Buffer.from('%PDF-1.4 invoice'), 'application/pdf');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(shopper, [
        { from: shopper, id: 'wamid.fwd.voice', timestamp: ts, type: 'audio', audio: { id: 'voice-1', mime_type: 'audio/ogg; codecs=opus', voice: true } },
        {
          from: shopper,
          id: 'wamid.fwd.doc',
          timestamp: ts,
          type: 'document',
          document: { id: 'doc-1', mime_type: 'application/pdf', filename: 'чек-0042.pdf' },
        },
      ]),
    );
    await h.drain();
    const media = graph
      .sendsTo(M2)
      .map((x) => x.body)
      .filter((b) => b.type === 'audio' || b.type === 'document');
    expect(media).toEqual([
      expect.objectContaining({ type: 'audio', audio: { id: expect.stringMatching(/^uploaded-/), voice: true } }),
      expect.objectContaining({ type: 'document', document: { id: expect.stringMatching(/^uploaded-/), filename: 'чек-0042.pdf' } }),
    ]);
  });

  it('the admin API checks every body and names the fields; the token goes through bearerAuth', async () => {
    h = await start();
    const api = (path: string, body: unknown, auth = 'Bearer adm') =>
      h.app.request(`/admin/api${path}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    let r = await api('/escalations/abc/take', {});
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ code: 'bad_request', fields: { id: [expect.any(String)] } });
    r = await api('/escalations/1/reply', { text: 42 });
    expect(r.status).toBe(400);
    expect((await r.json()).error.fields).toEqual({ text: [expect.any(String)] });
    r = await api('/escalations/1/reply', '{not json');
    expect(r.status).toBe(400);
    r = await api('/products', { products: 'all of them' });
    expect((await r.json()).error).toMatchObject({ code: 'bad_request', fields: { products: [expect.any(String)] } });
    r = await api('/escalations/1/close', {}, 'Bearer wrong');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await r.json()).error.code).toBe('unauthorized');
    r = await api('/escalations/1/close', {}, '');
    expect(r.status).toBe(401);
  });
});

describe('Bitrix24 leads', () => {
  const backend = backends()[0]!;
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('each escalation becomes one lead, retried after a failure, never doubled', async () => {
    const crm = await new FakeBitrix24().start();
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', BITRIX24_WEBHOOK_URL: crm.url } });
    await h.post(textWebhook({ from: '77080000200', body: 'позовите менеджера', at: h.clock.now(), name: 'Айгерим' }));
    await h.drain();
    // crm-sync also makes deals of orders; there are none here
    const run = async () => {
      const { pending, created, failed, orders } = (
        await (await h.app.request('/admin/api/jobs/crm-sync/run', { method: 'POST', headers: { authorization: 'Bearer adm' } })).json()
      ).counts;
      expect(orders).toBe(0);
      return { pending, created, failed };
    };
    crm.inject({ status: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    expect(await run()).toEqual({ pending: 1, created: 0, failed: 1 });
    expect(await run()).toEqual({ pending: 1, created: 1, failed: 0 });
    expect(await run()).toEqual({ pending: 0, created: 0, failed: 0 });
    expect(crm.leads).toHaveLength(1);
    expect(crm.leads[0]!.fields).toMatchObject({
      TITLE: 'WhatsApp: shopper asked for a person',
      NAME: 'Айгерим',
      ORIGIN_ID: expect.stringMatching(/^vitrina-escalation-\d+$/),
      PHONE: [{ VALUE: '+77080000200', VALUE_TYPE: 'MOBILE' }],
      COMMENTS: expect.any(String),
    });
    // a lead created but not recorded (crash between) is found by ORIGIN_ID, not created again
    await h.services.database.db.execute(sql`update escalations set crm_lead_id = null`);
    expect(await run()).toEqual({ pending: 1, created: 1, failed: 0 });
    expect(crm.leads).toHaveLength(1);
    await crm.stop();
  });
});
