import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { CatalogWrites } from '../src/catalog/catalog-writes.ts';
import { fileReading, loadDemoCatalogIfEmpty } from '../src/catalog/demo.ts';
import { FolderFiles } from '../src/exchange/exchange-files.ts';
import { demoStoreDir, sampleStoreDir } from '../src/config.ts';
import { ManualClock } from '../src/clock.ts';
import { openDatabase, query, sql } from '../src/db/database.ts';
import { TemplateError } from '../src/errors.ts';
import { StoreProfile, loadProfile } from '../src/profile/store-profile.ts';
import { FakeOpenAI } from './fakes/openai.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const outbound = (h: Harness, shopper: string) =>
  h.services
    .sandbox!.history(shopper)
    .filter((e) => e.direction === 'out')
    .map((e) => e.message as Record<string, any>);
const rowIds = (m: Record<string, any>) => (m.interactive.action.sections[0].rows as Array<{ id: string }>).map((r) => r.id.replace(/^row:/, ''));

describe.each(backends())('any store: the English sporting-goods sample in USD ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());

  const say = async (shopper: string, body: string) => {
    const before = outbound(h, shopper).length;
    await h.post(textWebhook({ from: shopper, body }));
    await h.drain();
    return outbound(h, shopper).slice(before);
  };

  it('colour and budget, "the second one", "cheaper?" — in English, in dollars, on the products just shown', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: 'sports' });
    const page = await (await h.app.request('/sandbox')).text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<title>Trailhead Outfitters · WhatsApp sandbox</title>');
    expect(page).toContain('placeholder="Message"');
    expect(page).not.toMatch(/[А-Яа-яЁё]/);

    const greeting = await say('15550000001', 'hi');
    expect(greeting[0]!.text.body).toMatch(
      /^Hello, Test Shopper! I'm the Trailhead Outfitters shopping assistant\. Tell me what you're looking for — for example, "(a 2-person tent under \$150|waterproof hiking boots|black running shoes under \$100)"\.$/,
    );

    const [list] = await say('15550000001', 'black running shoes under $150');
    expect(list!.interactive.body.text).toBe('Here is what I found (black, running shoes, up to $150):');
    expect(list!.interactive.action.button).toBe('Choose');
    // in stock first, cheapest first; every one black and within the budget
    expect(rowIds(list!)).toEqual(['RS-507', 'RS-500']);
    expect(list!.interactive.action.sections[0].rows[0]).toMatchObject({ id: 'RS-507', description: '$69.99 · black' });

    const [card] = await say('15550000001', 'the second one');
    expect(card!.interactive.body.text).toMatch(/^\*Nike Pegasus 41 Running Shoe\*\n\$139\.99\nblack\nin stock/);
    expect(card!.interactive.action.buttons.map((b: any) => b.reply.title)).toEqual(['🛒 Add to cart', '🔔 Watch the price', 'Similar']);

    // cheaper than the product on the card, in its category — not the cheapest of the whole store
    const [cheaper] = await say('15550000001', 'anything cheaper?');
    const ids = cheaper!.interactive ? (cheaper!.interactive.type === 'list' ? rowIds(cheaper!) : []) : [];
    // the bound is said by the price it is measured from, not as «≤ $139.98»
    expect(cheaper!.interactive.body.text).toContain('under $139.99');
    const prices = await query<{ id: string; category: string; price: number }>(
      h.services.database.db,
      sql`select id, category, price::float8 as price from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    expect(prices.length).toBeGreaterThanOrEqual(1);
    for (const p of prices) expect(p).toMatchObject({ category: 'Running Shoes' });
    for (const p of prices) expect(p.price).toBeLessThan(13999);
  });

  it('nothing matches every filter: the answer says what was let go, and keeps the category', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: 'sports' });
    const [list] = await say('15550000002', 'purple tent under $100');
    expect(list!.interactive.body.text).toBe('No exact match for "purple". Here is what we have (tent, up to $100) — in other colours:');
    const rows = await query<{ category: string; price: number }>(
      h.services.database.db,
      sql`select category, price::float8 as price from products where id in (select jsonb_array_elements_text(${JSON.stringify(rowIds(list!))}::jsonb))`,
    );
    expect(rows.map((r) => r.category)).toEqual(rows.map(() => 'Tents'));
    for (const r of rows) expect(r.price).toBeLessThanOrEqual(10000);
    // a thing the store does not sell at all: no random products
    const [none] = await say('15550000002', 'do you sell kayaks?');
    expect(none!.text.body).toBe("It looks like we don't have “kayaks”. The store has: Tents, Running Shoes, Backpacks, Jackets, Hiking Boots, Sleeping Bags.");
  });
});

describe('any store: the Kazakh and Russian children’s-goods sample', () => {
  const backend = backends()[0]!;
  let h: Harness;
  afterEach(() => h?.close());

  it('Kazakh words find the catalog’s Russian values, and the labels stay in Kazakh', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: 'kids' });
    await h.post(textWebhook({ from: '77070000001', body: '150 мыңға дейін сұр арба' }));
    await h.drain();
    const [list] = outbound(h, '77070000001');
    // one product: a card, with its text line first in the same message
    const text: string = list!.text?.body ?? list!.interactive.body.text;
    expect(text.split('\n')[0]).toBe('Міне, табылғандар (сұр, арба, 150\u00a0000\u00a0₸ дейін):');
  });
});

describe('any store: the catalog and the profile are the store’s own', () => {
  const backend = backends()[0]!;
  let h: Harness | undefined;
  let model: FakeOpenAI | null = null;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await model?.stop();
    model = null;
  });

  it('the model’s system prompt and tools come from the profile and the catalog; its colour is mapped to the catalog’s', async () => {
    model = await new FakeOpenAI().start();
    const harness = (h = await startHarness({ backend, demo: 'sports', env: { BOT: 'assistant', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url } }));
    model.push({ toolCalls: [{ name: 'search_products', args: { query: 'tent', category: 'Tents', color: 'Green' } }] }, { content: 'Two green tents.' });
    await harness.post(textWebhook({ from: '15550000003', body: 'any green tents?' }));
    await harness.drain();
    const req = model.requests[0]!;
    const system = req.messages[0].content as string;
    expect(system).toContain('You are the shopping assistant of "Trailhead Outfitters"');
    expect(system).toContain('The store sells outdoor and sporting goods');
    expect(system).toContain('Prices are in USD');
    expect(system).not.toMatch(/furniture/i);
    const search = req.tools.find((t: any) => t.function.name === 'search_products').function.parameters;
    expect(search.properties.category.enum).toContain('Tents');
    expect(search.properties.category.enum).not.toContain('Диваны');
    const [list] = outbound(harness, '15550000003');
    expect(list!.interactive.body.text).toBe('Two green tents.');
    expect(rowIds(list!).sort()).toEqual(['TN-100', 'TN-101']);
  });

  it('a replaced catalog leaves the store — products with price alerts are deactivated — and the vocabulary follows', async () => {
    const harness = (h = await startHarness({ backend, demo: true, env: { ADMIN_TOKEN: 'adm', BOT: 'assistant' } }));
    const admin = (path: string, body?: unknown) =>
      harness.app.request(`/admin/api${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const db = harness.services.database.db;
    await db.execute(
      sql`insert into price_alerts (shopper_key, product_id, kind, base_price, target_price, created_at) values ('77010000009', 'ZT-0001', 'any', 1, 0, now())`,
    );
    const res = await admin('/products?replace=true', {
      products: [
        { id: 'T-1', name: 'Coleman Sundome 2 Tent', category: 'Tents', color: 'green', price: 69.99, currency: 'USD', stock: 3 },
        { id: 'T-2', name: 'MSR Elixir 3 Tent', category: 'Tents', color: 'grey', price: 329.95, currency: 'USD', stock: 1 },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ inserted: 2, deleted: 304, deactivated: 1 });
    const [n] = await query<{ active: number; all: number }>(
      db,
      sql`select count(*) filter (where active)::int as active, count(*)::int as "all" from products`,
    );
    expect(n).toEqual({ active: 2, all: 3 });
    const facets = await (await admin('/catalog/vocabulary')).json();
    expect(facets.fields.category).toEqual([{ value: 'Tents', count: 2 }]);
    expect(harness.services.vocabulary.current().values('color').sort()).toEqual(['green', 'grey']);
    // the demo's store.yaml speaks of sofas; its greeting examples find nothing here, so the
    // greeting's example comes from the catalog now held
    await harness.post(textWebhook({ from: '77010000010', body: 'Здравствуйте' }));
    await harness.drain();
    const [hello] = outbound(harness, '77010000010');
    expect(hello!.text.body).toMatch(/например, «tents»\.$/);
    // a replace with a bad row would delete that row's product: refused whole
    const bad = await admin('/products?replace=true', { products: [{ id: 'T-1', name: 'x', price: -1 }] });
    expect(bad.status).toBe(400);
  });

  it('a store without its own files (DEMO_CATALOG=off): what it sells and the greeting come from the catalog it imports', async () => {
    model = await new FakeOpenAI().start();
    const harness = (h = await startHarness({
      backend,
      env: { ADMIN_TOKEN: 'adm', BOT: 'assistant', DEMO_CATALOG: 'off', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url },
    }));
    expect(harness.services.config.storeDir).toMatch(/templates\/$/);
    const res = await harness.app.request('/admin/api/products', {
      method: 'POST',
      headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
      body: JSON.stringify({
        products: [
          { id: 'T-1', name: 'Coleman Sundome 2 Tent', category: 'Tents', brand: 'Coleman', price: 69.99, currency: 'USD', stock: 3 },
          { id: 'T-2', name: 'MSR Elixir 3 Tent', category: 'Tents', brand: 'MSR', price: 329.95, currency: 'USD', stock: 1 },
          { id: 'L-1', name: 'Petzl Actik Headlamp', category: 'Headlamps', brand: 'Petzl', price: 49.95, currency: 'USD', stock: 4 },
        ],
      }),
    });
    expect(res.status).toBe(200);
    model.push({ content: 'Hello! Tents or headlamps?' });
    await harness.post(textWebhook({ from: '15550000021', body: 'hi, what do you sell?' }));
    await harness.drain();
    const system = model.requests[0]!.messages[0].content as string;
    expect(system).toContain('You are the shopping assistant of "Vitrina"');
    expect(system).toContain('The store sells Tents, Headlamps (Coleman, MSR, Petzl)');
    expect(system).not.toMatch(/furniture|диван/i);
  });

  it('the demo catalog loads only into a fresh embedded store, and DEMO_CATALOG=off skips it', async () => {
    const d = await openDatabase({ dataDir: 'memory://' });
    const log = pino({ level: 'silent' });
    const clock = new ManualClock(new Date('2026-11-22T10:00:00Z'));
    const writes = new CatalogWrites({
      db: d.db,
      files: new FolderFiles(null),
      clock,
      log,
      reading: () => fileReading('USD'),
      publicUrl: null,
      maxBytes: 1e6,
      changed: async () => {},
    });
    expect(await loadDemoCatalogIfEmpty({ db: d.db, writes, log, storeDir: sampleStoreDir('sports'), enabled: false })).toBe(0);
    expect(await loadDemoCatalogIfEmpty({ db: d.db, writes, log, storeDir: sampleStoreDir('sports') })).toBe(67);
    // a store whose products were all deactivated is not fresh: the demo never comes back
    await d.db.execute(sql`update products set active = false`);
    expect(await loadDemoCatalogIfEmpty({ db: d.db, writes, log, storeDir: demoStoreDir() })).toBe(0);
    // DEMO_CATALOG=kids on a folder holding the sports catalog: nothing mixed, and start-up says so
    const lines: string[] = [];
    const told = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    expect(await loadDemoCatalogIfEmpty({ db: d.db, writes, log: told, storeDir: sampleStoreDir('kids') })).toBe(0);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      expect.stringMatching(/^the data folder holds another store's catalog: .*kids\/catalog\.json was not loaded/),
    ]);
    // the sports sample's own folder on its own catalog: nothing to say
    lines.length = 0;
    expect(await loadDemoCatalogIfEmpty({ db: d.db, writes, log: told, storeDir: sampleStoreDir('sports') })).toBe(0);
    expect(lines).toEqual([]);
    await d.close();
  });
});

describe('the store profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-'));
  const file = join(dir, 'store.yaml');
  const yaml = (name: string) =>
    `name: ${name}\nsells: tea and coffee\nlanguages: [en, ru]\ndefault_language: en\nmanager_language: ru\ncurrency: EUR\ntime_zone: Europe/Berlin\nexamples:\n  en: [green tea]\n`;

  it('reads store.yaml; the environment overrides it; a mistake names file:line', () => {
    writeFileSync(file, yaml('Leaf'));
    expect(loadProfile(file)).toEqual({
      name: 'Leaf',
      sells: 'tea and coffee',
      tone: 'friendly, brief and helpful, like a good salesperson',
      languages: ['en', 'ru'],
      defaultLanguage: 'en',
      managerLanguage: 'ru',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      examples: { en: ['green tea'] },
      info: {},
      // no catalog_source: the store's system, if any, is read with the lexicon's names alone
      catalogSource: { priceType: null, fields: {}, orderStatuses: {} },
    });
    writeFileSync(
      file,
      `${yaml('Leaf')}catalog_source:\n  price_type: Розничная\n  fields:\n    color: [Цвет обивки]\n  order_statuses:\n    "[F] Выполнен": delivered\n`,
    );
    expect(loadProfile(file).catalogSource).toEqual({
      priceType: 'Розничная',
      fields: { color: ['Цвет обивки'] },
      orderStatuses: { '[F] Выполнен': 'delivered' },
    });
    writeFileSync(file, `${yaml('Leaf')}catalog_source:\n  order_statuses:\n    "[F] Выполнен": done\n`);
    expect(() => loadProfile(file)).toThrow(/store\.yaml:12:21: catalog_source\.order_statuses\.\[F\] Выполнен: /);
    writeFileSync(file, yaml('Leaf'));
    expect(loadProfile(file, { STORE_NAME: 'Leaf & Bean', CURRENCY: 'USD', DEFAULT_LANGUAGE: 'kk', TZ: 'Asia/Almaty' })).toMatchObject({
      name: 'Leaf & Bean',
      currency: 'USD',
      defaultLanguage: 'kk',
      languages: ['kk', 'en', 'ru'],
      timeZone: 'Asia/Almaty',
    });
    writeFileSync(file, yaml('Leaf').replace('currency: EUR', 'currency: euro'));
    expect(() => loadProfile(file)).toThrow(TemplateError);
    expect(() => loadProfile(file)).toThrow(`${file}:6:11: currency: an ISO 4217 code such as KZT`);
  });

  it('is re-read when saved; a bad edit keeps the last good one', async () => {
    writeFileSync(file, yaml('Leaf'));
    const log = pino({ level: 'silent' });
    const p = new StoreProfile({ file, env: {}, log });
    p.watch();
    writeFileSync(file, yaml('Leaf Two'));
    await vi.waitFor(() => expect(p.current().name).toBe('Leaf Two'), { timeout: 5000 });
    p.close();
    writeFileSync(file, yaml('Leaf Three').replace('languages: [en, ru]', 'languages: []'));
    expect(p.reload()).toBe(false);
    expect(p.current().name).toBe('Leaf Two');
  });
});
