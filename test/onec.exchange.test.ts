import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readCommerceML, type CmlEvent } from '../src/catalog/commerceml.ts';
import { query, sql } from '../src/db/database.ts';
import { OneCClient } from './fakes/onec-client.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, unixSeconds, type Harness } from './helpers/harness.ts';

const FIXTURES = new URL('./fixtures/commerceml/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const IMPORT = fixture('import0_1_with_nested_groups.xml');
const OFFERS = fixture('offers0_1.xml');
const RUG = 'bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1';
const ONEC = { ONEC_USER: 'exchange', ONEC_PASSWORD: 's3cret-1c' };

/** offers.xml with one offer's price changed (ЦенаЗаЕдиницу of the offer with that Ид). */
function offersWithPrice(id: string, price: string): Buffer {
  const xml = OFFERS.toString('utf8');
  const at = xml.indexOf(`<Ид>${id}</Ид>`);
  const start = xml.indexOf('<ЦенаЗаЕдиницу>', at);
  const end = xml.indexOf('</ЦенаЗаЕдиницу>', start);
  return Buffer.from(xml.slice(0, start) + `<ЦенаЗаЕдиницу>${price}` + xml.slice(end), 'utf8');
}

const products = (h: Harness, where = sql`true`) =>
  query<{
    id: string;
    name: string;
    category: string;
    brand: string;
    price: string;
    currency: string;
    stock: number;
    active: boolean;
    tags: string[] | string;
    parent_id: string | null;
    stock_places: Record<string, number> | null;
  }>(
    h.services.database.db,
    sql`select id, name, category, brand, price::text as price, currency, stock, active, tags, parent_id, stock_places from products where ${where} order by id`,
  );

describe.each(backends())('1C exchange ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const start = (env: Record<string, string> = {}) =>
    startHarness({ backend, graphUrl: graph.url, env: { BOT: 'assistant', ...ONEC, ONEC_FILE_LIMIT: '65536', MANAGER_PHONES: '77770000009', ...env } });
  const client = (opts: { useZip?: boolean; password?: string } = {}) =>
    new OneCClient({
      fetch: (url, init) => Promise.resolve(h.app.request(url, init)),
      url: '/exchange/1c',
      user: ONEC.ONEC_USER,
      password: opts.password ?? ONEC.ONEC_PASSWORD,
      useZip: opts.useZip,
    });
  let n = 0;
  const send = async (from: string, message: Record<string, unknown>) => {
    await h.post(messagesWebhook(from, [{ from, id: `wamid.onec.${++n}.${Date.now()}`, timestamp: unixSeconds(h.clock.now()), ...message }], 'Дана'));
    await h.drain();
  };
  const tap = (from: string, id: string, title: string) =>
    send(from, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } });

  it("the sample files through the real endpoint as 1C sends them (zipped, in chunks); a lower price in a second offers.xml alerts once; the order goes to 1C and 1C's payment reaches the shopper", async () => {
    h = await start();
    const c = client();
    const run = await c.exchangeCatalog(
      [
        { name: 'import.xml', data: IMPORT },
        { name: 'offers.xml', data: OFFERS },
        { name: 'import_files/bd/rug.jpg', data: Buffer.from('\xff\xd8\xff\xe0 a picture', 'latin1') },
      ],
      { imports: ['import.xml', 'offers.xml'], deactivate: true },
    );
    expect(run).toEqual({ ok: true, answer: 'success' });
    // the protocol as 1C saw it: the cookie, zip and file_limit, the archive in 64 KB chunks
    expect(c.calls[0]).toMatchObject({ mode: 'checkauth', answer: expect.stringMatching(/^success\nvitrina_1c\n[\w-]{24}\nsessid=[\w-]{24}\ntimestamp=\d+$/) });
    expect(c.calls[1]).toEqual({ type: 'catalog', mode: 'init', answer: 'zip=yes\nfile_limit=65536' });
    const uploads = c.calls.filter((x) => x.mode === 'file');
    expect(uploads.length).toBeGreaterThan(1);
    expect(new Set(uploads.map((u) => u.filename))).toEqual(new Set(['exchange-1.zip']));
    expect(uploads.every((u) => u.answer === 'success' && u.bytes! <= 65536)).toBe(true);

    const all = await products(h);
    const goods = [...IMPORT.toString('utf8').matchAll(/<Товар>/g)].length;
    expect(all).toHaveLength(goods);
    // 44 offers: those goods are shown at 1C's price; the rest wait for a price, hidden
    expect(all.filter((p) => p.active)).toHaveLength(44);
    const rug = all.find((p) => p.id === RUG)!;
    expect(rug).toMatchObject({
      name: 'Портативный коврик Portable 140x200x1 см, Деревянные лошадки',
      brand: 'CrazyBoom',
      price: '10000',
      currency: 'RUB',
      stock: 377,
      active: true,
      parent_id: null,
    });
    expect(rug.stock_places).toEqual({ Владивосток: 1, Новосибирск: 0, Москва: 376 });
    // the group tree: the category is the product's own group, the groups above it are tags
    const groups = await query<{ id: string; name: string; parent_id: string | null }>(
      h.services.database.db,
      sql`select id, name, parent_id from catalog_groups`,
    );
    const nested = all.find((p) => p.category && groups.find((g) => g.name === p.category)?.parent_id)!;
    const parent = groups.find((g) => g.id === groups.find((x) => x.name === nested.category)!.parent_id)!;
    expect(typeof nested.tags === 'string' ? nested.tags : nested.tags.join(',')).toContain(parent.name);
    // every price landed in price history
    expect(await query(h.services.database.db, sql`select price::text as price from price_history where product_id = ${RUG}`)).toEqual([{ price: '10000' }]);
    // the picture is served where the product's image_url points
    const pic = await h.app.request('/catalog-files/import_files/bd/rug.jpg');
    expect(pic.status).toBe(200);
    expect(pic.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await pic.arrayBuffer()).toString('latin1')).toBe('\xff\xd8\xff\xe0 a picture');
    // the operator's view of the exchange
    const ready = await (await h.app.request('/readyz')).json();
    expect(ready.checks.catalog_exchange).toMatch(/^1c catalog done \S+: /);
    for (const part of [`goods ${all.length}`, 'offers 44', `inserted ${all.length}`, 'priceChanges 44', 'pictures 1', 'deactivated 0'])
      expect(ready.checks.catalog_exchange).toContain(part);

    // a shopper watches the rug's price
    const shopper = '77015550001';
    await send(shopper, { type: 'text', text: { body: 'привет' } });
    await tap(shopper, `alert:${RUG}:any`, '🔔 Следить за ценой');
    expect(await query(h.services.database.db, sql`select status from price_alerts where product_id = ${RUG}`)).toEqual([{ status: 'active' }]);
    const before = graph.sendsTo(shopper).length;

    // 1C lowers it, and sends the same exchange twice (it repeats calls)
    for (let i = 0; i < 2; i++) {
      const again = await client().exchangeCatalog([{ name: 'offers.xml', data: offersWithPrice(RUG, '80') }], { imports: ['offers.xml'] });
      expect(again.ok).toBe(true);
      await h.drain();
    }
    const alerts = graph.sendsTo(shopper).slice(before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body.template).toMatchObject({
      name: 'price_alert_notification',
      components: expect.arrayContaining([
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'product_name', text: 'Портативный коврик Portable 140x200x1 см, Деревянные лошадки' },
            { type: 'text', parameter_name: 'new_price', text: '80\u00a0₽' },
            { type: 'text', parameter_name: 'old_price', text: '100\u00a0₽' },
          ],
        },
      ]),
    });
    expect(await query(h.services.database.db, sql`select price::text as price from price_history where product_id = ${RUG} order by id`)).toEqual([
      { price: '10000' },
      { price: '8000' },
    ]);

    // the shopper buys it: cart, pickup, name, confirm
    await tap(shopper, `cart+:${RUG}`, '🛒 В корзину');
    await send(shopper, { type: 'text', text: { body: 'оформить' } });
    await tap(shopper, 'ship:pickup', '🏬 Самовывоз');
    await tap(shopper, 'name:profile', 'Дана');
    const summary = graph.sendsTo(shopper).at(-1)!.body;
    const confirm = summary.interactive.action.buttons[0].reply;
    await tap(shopper, confirm.id, confirm.title);
    const [order] = await query<{ number: string }>(h.services.database.db, sql`select number from orders where shopper_key = ${shopper}`);
    expect(order).toBeDefined();

    // 1C takes the order: query answers it as a CommerceML document, success marks it taken
    const sale = client();
    expect((await sale.checkauth('sale'))[0]).toBe('success');
    await sale.init();
    const xml = await sale.query();
    const docs: CmlEvent[] = [];
    for await (const e of readCommerceML(Readable.from([Buffer.from(xml)]))) docs.push(e);
    expect(docs).toEqual([
      {
        kind: 'document',
        id: order!.number,
        number: order!.number,
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        requisites: expect.objectContaining({ 'Способ доставки': 'Самовывоз', 'Заказ оплачен': 'false', Отменен: 'false' }),
      },
    ]);
    expect(xml).toContain(`<Товар><Ид>${RUG}</Ид><Наименование>Портативный коврик Portable 140x200x1 см, Деревянные лошадки</Наименование>`);
    expect(xml).toContain('<ЦенаЗаЕдиницу>80.00</ЦенаЗаЕдиницу><Количество>1</Количество><Сумма>80.00</Сумма>');
    expect(xml).toContain('<Значение>+77015550001</Значение>');
    expect(await sale.success()).toBe('success');
    expect(await sale.query()).not.toContain('<Документ>');

    // 1C marks it paid (Дата оплаты по 1С): the shopper is told through order_paid, once even when 1C sends it twice
    const paid = `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.05"><Документ><Ид>${order!.number}</Ид><Номер>${order!.number}</Номер><Дата>2026-12-04</Дата><ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Дата оплаты по 1С</Наименование><Значение>2026-12-04T12:00:00</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Документ></КоммерческаяИнформация>`;
    const told = graph.sendsTo(shopper).length;
    for (let i = 0; i < 2; i++) expect(await sale.upload([{ name: 'orders.xml', data: Buffer.from(paid) }])).toEqual(['success']);
    await h.drain();
    expect(await query(h.services.database.db, sql`select status from orders where number = ${order!.number}`)).toEqual([{ status: 'paid' }]);
    const updates = graph.sendsTo(shopper).slice(told);
    expect(updates.map((u) => u.body.template?.name)).toEqual(['order_paid']);
  });

  it('bad calls are answered failure with a reason 1C shows, and change nothing', async () => {
    h = await start({ ONEC_FILE_LIMIT: '2048' });
    const wrong = client({ password: 'nope' });
    expect(await wrong.checkauth('catalog')).toEqual(['failure', 'wrong user or password (ONEC_USER, ONEC_PASSWORD)']);
    // no cookie
    const r = await h.app.request('/exchange/1c?type=catalog&mode=init');
    expect(await r.text()).toBe('failure\nnot signed in: call mode=checkauth first and send its cookie');
    const c = client({ useZip: false });
    await c.checkauth('catalog');
    await c.init();
    expect(c.fileLimit).toBe(2048);
    // an unknown mode, an unknown type, a path outside the folder, a body over file_limit
    expect(await (await h.app.request('/exchange/1c?type=catalog&mode=dance', { headers: { cookie: c['cookie']! } })).text()).toBe(
      'failure\nunknown mode "dance"',
    );
    expect(await (await h.app.request('/exchange/1c?type=stock&mode=init', { headers: { cookie: c['cookie']! } })).text()).toBe(
      'failure\nunknown type "stock": catalog or sale',
    );
    const up = (filename: string, body: Uint8Array) =>
      h.app.request(`/exchange/1c?type=catalog&mode=file&filename=${encodeURIComponent(filename)}`, {
        method: 'POST',
        headers: { cookie: c['cookie']! },
        body: new Uint8Array(body),
      });
    expect(await (await up('../etc/passwd', Buffer.from('x'))).text()).toBe('failure\nfilename missing or not allowed: "../etc/passwd"');
    expect(await (await up('import.xml', Buffer.alloc(2049))).text()).toBe('failure\nimport.xml: one call sent more than file_limit=2048 bytes');
    // a failure ends the exchange: 1C starts again
    expect(await (await up('import.xml', Buffer.from('<a/>'))).text()).toBe(
      'failure\nthis exchange was closed: import.xml: one call sent more than file_limit=2048 bytes; start again with mode=checkauth',
    );
    const again = async () => {
      await c.checkauth('catalog');
      await c.init();
    };
    // an import of a file never sent
    await again();
    expect((await c.import('offers.xml')).lines).toEqual(['failure', 'offers.xml was not uploaded in this exchange (mode=file first)']);
    // a truncated import.xml: refused with where it ends, nothing imported
    await again();
    const cut = IMPORT.subarray(0, Math.floor(IMPORT.length / 2));
    await c.upload([{ name: 'import.xml', data: cut }]);
    const refused = await c.import('import.xml');
    expect(refused.lines[0]).toBe('failure');
    expect(refused.lines[1]).toMatch(/^import\.xml: the file is not whole CommerceML: line \d+, column \d+: /);
    expect(await products(h)).toEqual([]);
    // asked again, 1C gets the same answer (the import is not run twice); deactivate hides nothing after it
    expect((await c.import('import.xml')).lines).toEqual(refused.lines);
    expect(await c.deactivate()).toMatch(/^failure\nthis exchange was closed: /);
    expect((await c.import('offers.xml')).lines[1]).toMatch(/^this exchange was closed: /);
    const exchanges = await query<{ status: string; error: string }>(
      h.services.database.db,
      sql`select status, error from catalog_exchanges where kind = 'catalog' and error is not null order by started_at, error`,
    );
    expect(exchanges.map((e) => e.status)).toEqual(['failed', 'failed', 'failed']);
    expect(exchanges.map((e) => e.error)).toContain(refused.lines[1]);

    // 1C stops half-way: an hour later the next checkauth marks that exchange abandoned and drops its files
    await again();
    await c.upload([{ name: 'import.xml', data: IMPORT.subarray(0, 1000) }]);
    const halfway = c['cookie']!.split('=')[1]!;
    expect(await h.services.exchangeFiles.list(halfway)).toEqual([{ name: 'import.xml', size: 1000 }]);
    h.clock.advance(61 * 60_000);
    await client().checkauth('catalog');
    expect(await query(h.services.database.db, sql`select status, error from catalog_exchanges where id = ${halfway}`)).toEqual([
      { status: 'failed', error: 'abandoned half-way: no call for an hour' },
    ]);
    expect(await h.services.exchangeFiles.list(halfway)).toEqual([]);
  });

  it('a zip bomb is refused before it fills the disk', async () => {
    h = await start({ ONEC_MAX_FILE_MB: '1' });
    const c = client();
    await c.checkauth('catalog');
    await c.init();
    // 4 MB of zeros squeezed into a few KB, past the 1 MB the exchange may unpack to
    await c.upload([{ name: 'import.xml', data: Buffer.alloc(4 * 1024 * 1024, 0x20) }]);
    const r = await c.import('import.xml');
    expect(r.lines).toEqual(['failure', `the archive unpacks to more than ${1024 * 1024} bytes`]);
    expect(await products(h)).toEqual([]);
  });

  it('a long import answers progress and 1C repeats the call until success; a dead runner is taken over', async () => {
    // each call waits 1 ms for the import, so the first answers before it can be done (a 50 ms wait
    // raced the import's own speed: it once finished within it)
    h = await start({ ONEC_IMPORT_WAIT_MS: '1' });
    const c = client();
    await c.checkauth('catalog');
    await c.init();
    await c.upload([{ name: 'import.xml', data: IMPORT }]);
    const r = await c.import('import.xml');
    expect(r.lines).toEqual(['success']);
    const answers = c.calls.filter((x) => x.mode === 'import').map((x) => x.answer.split('\n')[0]);
    expect(answers[0]).toBe('progress');
    expect(answers.at(-1)).toBe('success');
    expect(c.calls.find((x) => x.mode === 'import')!.answer).toMatch(/^progress\nimport\.xml: \d+ goods and 0 offers read$/);

    // an import whose process died (its lease ran out) is run by the next call that finds it
    await c.upload([{ name: 'offers.xml', data: OFFERS }]);
    const session = c['cookie']!.split('=')[1]!;
    await h.services.database.db.execute(
      sql`insert into exchange_imports (exchange_id, filename, status, lease_until) values (${session}, 'offers.xml', 'running', ${new Date(h.clock.now().getTime() - 1000).toISOString()}::timestamptz)`,
    );
    expect((await c.import('offers.xml')).lines).toEqual(['success']);
    expect(await products(h, sql`active`)).toHaveLength(44);
  });

  it('variants become products of their own; a partial exchange hides nothing; deactivate after a whole one hides what it did not mention, alerts kept', async () => {
    // the first price type is wholesale: this store's store.yaml picks «Розничная»
    const dir = mkdtempSync(join(tmpdir(), 'vitrina-store-'));
    writeFileSync(
      join(dir, 'store.yaml'),
      readFileSync(new URL('../templates/samples/furniture/store.yaml', import.meta.url), 'utf8').replace('# price_type: Розничная', 'price_type: Розничная'),
    );
    h = await start({ STORE_DIR: dir });
    const goods = (ids: string[], only = false) => `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08">
      <Классификатор><Ид>k</Ид><Группы><Группа><Ид>g1</Ид><Наименование>Обувь</Наименование><Группы><Группа><Ид>g2</Ид><Наименование>Кроссовки</Наименование></Группа></Группы></Группа></Группы>
      <Свойства><Свойство><Ид>p-color</Ид><Наименование>Цвет</Наименование><ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений><Справочник><ИдЗначения>c1</ИдЗначения><Значение>Белый</Значение></Справочник></ВариантыЗначений></Свойство></Свойства></Классификатор>
      <Каталог СодержитТолькоИзменения="${only}"><Ид>k</Ид><Товары>${ids
        .map(
          (id) =>
            `<Товар><Ид>${id}</Ид><Артикул>A-${id}</Артикул><Наименование>Кроссовки ${id}</Наименование><Группы><Ид>g2</Ид></Группы><ЗначенияСвойств><ЗначенияСвойства><Ид>p-color</Ид><Значение>c1</Значение></ЗначенияСвойства></ЗначенияСвойств></Товар>`,
        )
        .join('')}</Товары></Каталог></КоммерческаяИнформация>`;
    const offers = (
      rows: Array<[string, string, number, string?]>,
    ) => `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><ПакетПредложений СодержитТолькоИзменения="false"><ИдКаталога>k</ИдКаталога>
      <ТипыЦен><ТипЦены><Ид>opt</Ид><Наименование>Оптовая</Наименование><Валюта>KZT</Валюта></ТипЦены><ТипЦены><Ид>ret</Ид><Наименование>Розничная</Наименование><Валюта>тг</Валюта></ТипЦены></ТипыЦен>
      <Предложения>${rows
        .map(
          ([id, price, qty, size]) =>
            `<Предложение><Ид>${id}</Ид><Наименование></Наименование>${size ? `<ХарактеристикиТовара><ХарактеристикаТовара><Наименование>Размер</Наименование><Значение>${size}</Значение></ХарактеристикаТовара></ХарактеристикиТовара>` : ''}<Цены><Цена><ИдТипаЦены>opt</ИдТипаЦены><ЦенаЗаЕдиницу>1</ЦенаЗаЕдиницу></Цена><Цена><ИдТипаЦены>ret</ИдТипаЦены><ЦенаЗаЕдиницу>${price}</ЦенаЗаЕдиницу></Цена></Цены><Количество>${qty}</Количество></Предложение>`,
        )
        .join('')}</Предложения></ПакетПредложений></КоммерческаяИнформация>`;
    // each exchange a minute after the last, as 1C's schedule runs them
    const exchange = (files: Array<{ name: string; data: string }>, deactivate = false) =>
      (h.clock.advance(60_000), client()).exchangeCatalog(
        files.map((f) => ({ name: f.name, data: Buffer.from(f.data) })),
        { imports: files.map((f) => f.name), deactivate },
      );

    expect(
      await exchange(
        [
          { name: 'import.xml', data: goods(['s1', 's2', 's3']) },
          {
            name: 'offers.xml',
            data: offers([
              ['s1#42', '25 990,50', 3, '42'],
              ['s1#43', '25990,50', 0, '43'],
              ['s2', '19990', 5],
              ['s3', '9990', 1],
            ]),
          },
        ],
        true,
      ),
    ).toEqual({ ok: true, answer: 'success' });
    const all = await products(h);
    expect(all.map((p) => [p.id, p.name, p.category, p.price, p.currency, p.stock, p.active, p.parent_id])).toEqual([
      ['s1', 'Кроссовки s1', 'Кроссовки', '0', 'KZT', 0, false, null],
      ['s1#42', 'Кроссовки s1 (42)', 'Кроссовки', '2599050', 'KZT', 3, true, 's1'],
      ['s1#43', 'Кроссовки s1 (43)', 'Кроссовки', '2599050', 'KZT', 0, true, 's1'],
      ['s2', 'Кроссовки s2', 'Кроссовки', '1999000', 'KZT', 5, true, null],
      ['s3', 'Кроссовки s3', 'Кроссовки', '999000', 'KZT', 1, true, null],
    ]);
    // the property «Цвет» is the colour, the groups above are tags, the size an attribute
    const [v] = await query<{ color: string; attributes: Record<string, string> }>(
      h.services.database.db,
      sql`select color, attributes from products where id = 's1#42'`,
    );
    expect(v).toEqual({ color: 'белый', attributes: { article: 'A-s1', Размер: '42' } });

    // a partial exchange without s3, then deactivate: nothing hidden
    expect((await exchange([{ name: 'import.xml', data: goods(['s2'], true) }], true)).ok).toBe(true);
    expect((await products(h, sql`active`)).map((p) => p.id)).toEqual(['s1#42', 's1#43', 's2', 's3']);

    // a shopper watches s3; a whole exchange without s3, then deactivate: hidden, not deleted, the alert kept
    await h.post(textWebhook({ from: '77015550002', body: 'привет', at: h.clock.now() }));
    await h.drain();
    await tap('77015550002', 'alert:s3:any', '🔔');
    expect(
      (
        await exchange(
          [
            { name: 'import.xml', data: goods(['s1', 's2']) },
            {
              name: 'offers.xml',
              data: offers([
                ['s1#42', '25990', 3, '42'],
                ['s1#43', '25990', 0, '43'],
                ['s2', '19990', 5],
              ]),
            },
          ],
          true,
        )
      ).ok,
    ).toBe(true);
    expect((await products(h, sql`active`)).map((p) => p.id)).toEqual(['s1#42', 's1#43', 's2']);
    expect((await products(h, sql`id = 's3'`))[0]).toMatchObject({ active: false });
    expect(await query(h.services.database.db, sql`select status from price_alerts where product_id = 's3'`)).toEqual([{ status: 'active' }]);
  });
});
