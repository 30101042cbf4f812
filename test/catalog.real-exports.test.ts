import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, query, sql, type Database } from '../src/db/database.ts';
import { demoStoreDir } from '../src/config.ts';
import { OneCClient } from './fakes/onec-client.ts';
import { backends, type Backend } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

// each case starts the CLI a dozen times (a process and its embedded database each): a slow machine needs minutes, not one
vi.setConfig({ testTimeout: 180_000 });

/**
 * Catalogs shaped like what real stores export (test/fixtures/real/README.md): each through
 * `vitrina catalog import` as a store's merchandiser runs it, and the CommerceML ones through
 * the 1C endpoint as 1C sends them, on both stacks.
 */
const FIXTURES = new URL('./fixtures/real/', import.meta.url);
const fixture = (name: string) => new URL(name, FIXTURES).pathname;
const run = promisify(execFile);
const ONEC = { ONEC_USER: 'exchange', ONEC_PASSWORD: 's3cret-1c' };

type Row = {
  id: string;
  name: string;
  description: string;
  category: string;
  brand: string;
  color: string;
  material: string;
  price: string;
  currency: string;
  stock: number;
  active: boolean;
  parent_id: string | null;
  tags: string[] | string;
  attributes: Record<string, string> | string;
};
const rowsOf = async (db: Database['db']) =>
  (
    await query<Row>(
      db,
      sql`select id, name, description, category, brand, color, material, price::text as price, currency, stock, active, parent_id, tags, attributes from products order by id`,
    )
  ).map((r) => ({
    ...r,
    tags:
      typeof r.tags === 'string'
        ? r.tags === '{}'
          ? []
          : r.tags
              .slice(1, -1)
              .split(',')
              .map((t) => t.replace(/^"|"$/g, ''))
        : r.tags,
    attributes: typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes,
  }));
const byId = (rows: Row[]) => new Map(rows.map((r) => [r.id, r]));

/** A store folder like the demo's, with store.yaml lines changed. */
function storeDir(edit: (yaml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vt-store-'));
  cpSync(demoStoreDir(), dir, { recursive: true });
  writeFileSync(join(dir, 'store.yaml'), edit(readFileSync(join(dir, 'store.yaml'), 'utf8')));
  return `${dir}/`;
}
const wholesaleStore = () => storeDir((y) => y.replace('currency: KZT', 'currency: UAH').replace('  # price_type: Розничная', '  price_type: Оптовая'));

describe.each(backends())('real catalogs through `vitrina catalog import` ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  /** A fresh store for the CLI: a data folder of its own (PGlite) or a database of its own (Postgres). */
  async function cliStore(env: Record<string, string> = {}) {
    const base = await backend.env();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vt-cli-')), 'data');
    const storeEnv: Record<string, string> = { ...base, DATA_DIR: base.DATABASE_URL ? base.DATA_DIR! : dataDir, ...env };
    const importFile = async (file: string, ...flags: string[]) =>
      run(process.execPath, ['bin/vitrina.js', 'catalog', 'import', file, ...flags], { env: { ...process.env, ...storeEnv } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const inDb = async <T>(fn: (db: Database) => Promise<T>) => {
      const db = await openDatabase({ databaseUrl: storeEnv.DATABASE_URL, dataDir: storeEnv.DATA_DIR! });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    };
    return { importFile, inDb };
  }

  it('1C-Bitrix in windows-1251, every property and group written twice (the second time nameless): one of each, the retail price, roubles from «руб.»', async () => {
    const s = await cliStore();
    const goods = await s.importFile(fixture('bitrix-import-1251.xml'));
    expect(goods).toMatchObject({ code: 0, stderr: '' });
    expect(goods.stdout).toContain('groups 2, properties 3');
    const offers = await s.importFile(fixture('bitrix-offers-1251.xml'));
    expect(offers.code).toBe(0);
    const rows = byId(await s.inDb((d) => rowsOf(d.db)));
    expect(rows.get('2041')).toMatchObject({
      name: 'Кроссовки беговые «Вихрь» мужские',
      category: 'Кроссовки',
      tags: ['Обувь'],
      brand: 'Кросс&Ко',
      color: 'черный',
      price: '349000',
      currency: 'RUB',
      stock: 7,
      active: true,
    });
    expect(rows.get('2041')!.attributes).toMatchObject({ 'Материал верха': 'сетка' });
    expect(rows.get('2042')).toMatchObject({ price: '329050', currency: 'RUB', stock: 0, color: 'белый' });
    expect(rows.get('2043')).toMatchObject({ category: 'Обувь', brand: 'СпортМастерская', price: '15000', currency: 'RUB' });
    const props = await s.inDb((d) => query<{ id: string; name: string }>(d.db, sql`select id, name from catalog_properties order by id`));
    expect(props).toEqual([
      { id: 'CML2_MANUFACTURER', name: 'Производитель' },
      { id: 'COLOR_REF', name: 'Цвет' },
      { id: 'MATERIAL_UP', name: 'Материал верха' },
    ]);
    // the file imports appear among the exchanges, as 1C's do
    const exchanges = await s.inDb((d) =>
      query<{ source: string; status: string }>(d.db, sql`select source, status from catalog_exchanges order by started_at`),
    );
    expect(exchanges).toEqual([
      { source: 'file', status: 'done' },
      { source: 'file', status: 'done' },
    ]);
  });

  it('1C:УТ 11 (2.08): suffixed names read as colour and size, the offers’ own properties, «красный;черный» is two colours, «1) Розничная» among wholesale types', async () => {
    const s = await cliStore();
    expect((await s.importFile(fixture('ut11-import.xml'))).code).toBe(0);
    const offers = await s.importFile(fixture('ut11-offers.xml'));
    expect(offers).toMatchObject({ code: 0, stderr: '' });
    const rows = await s.inDb((d) => rowsOf(d.db));
    const variants = rows.filter((r) => r.parent_id === 'pants-classic');
    expect(variants).toHaveLength(5);
    const v52 = variants.find((v) => v.id.includes('size-52'))!;
    expect(v52).toMatchObject({ color: 'серый', price: '720000', currency: 'RUB', stock: 4, active: true, category: 'Брюки мужские', material: 'шерсть' });
    expect(v52.attributes).toMatchObject({ Размер: '52', Сезон: 'демисезон', article: 'БР-1021' });
    const jacket = rows.find((r) => r.id === 'jacket-duo')!;
    expect(jacket).toMatchObject({ color: 'красный', price: '890000' });
    expect(jacket.attributes).toMatchObject({ Цвет: 'красный; черный', Сезон: 'весна; осень' });
  });

  it('a UAH price list with only wholesale types fails, naming the types and the store.yaml line; with price_type set it imports in hryvnias', async () => {
    const s = await cliStore();
    expect((await s.importFile(fixture('uah-import.xml'))).code).toBe(0);
    const refused = await s.importFile(fixture('uah-wholesale-offers.xml'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("none of 1C's price types is named as a retail price: «Оптовая», «Крупный опт»");
    expect(refused.stderr).toContain('catalog_source:\n  price_type: "Оптовая"');
    expect(refused.stderr).not.toMatch(/insert|select|params/i);
    expect((await s.inDb((d) => rowsOf(d.db))).every((r) => r.price === '0' && !r.active)).toBe(true);

    const named = await cliStore({ STORE_DIR: wholesaleStore() });
    expect((await named.importFile(fixture('uah-import.xml'))).code).toBe(0);
    expect(await named.importFile(fixture('uah-wholesale-offers.xml'))).toMatchObject({ code: 0, stderr: '' });
    expect(byId(await named.inDb((d) => rowsOf(d.db))).get('ua-pot-5')).toMatchObject({ price: '84550', currency: 'UAH', stock: 4, active: true });
  });

  it('an offers file of another catalog fails and says so', async () => {
    const s = await cliStore();
    expect((await s.importFile(fixture('bitrix-import-1251.xml'))).code).toBe(0);
    const r = await s.importFile(fixture('offers-of-another-catalog.xml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("none of the file's 2 offers is for a good the store has");
  });

  it('YML in windows-1251 without <categories>: the category from a param path or typePrefix, entities decoded, hryvnias; black and чёрный are one colour', async () => {
    const s = await cliStore();
    const r = await s.importFile(fixture('yml-no-categories-1251.xml'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('3 products (3 new, 0 updated, 0 price changes); 0 rows skipped');
    const rows = byId(await s.inDb((d) => rowsOf(d.db)));
    expect(rows.get('y-1')).toMatchObject({
      name: 'Куртка Nord&Co Storm 2',
      category: 'Куртка',
      brand: 'Nord&Co',
      color: 'black',
      price: '129900',
      currency: 'UAH',
      stock: 100,
    });
    expect(rows.get('y-1')!.description).toBe('Тепла куртка\u00a0на зиму.\nКапюшон знімається.'.replace('\u00a0', ' '));
    expect(rows.get('y-2')).toMatchObject({ category: 'Куртки', tags: ['Одежда'], color: 'чёрный', stock: 2 });
    expect(rows.get('y-3')).toMatchObject({ category: 'Шапка', stock: 0 });
    const unknown = await s.importFile(fixture('yml-unknown-currency.xml'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the currency «у.е.» is not one Vitrina knows');
  });

  it('CSV as a new user writes it: no stock column is available stock, roubles by word; bad rows named in words, the rest still read', async () => {
    const s = await cliStore();
    const clean = await s.importFile(fixture('catalog-no-stock.csv'));
    expect(clean).toMatchObject({ code: 0, stderr: '' });
    const messy = await s.importFile(fixture('catalog-messy.csv'));
    expect(messy.code).toBe(1);
    const file = fixture('catalog-messy.csv');
    expect(messy.stderr.trim().split('\n')).toEqual([
      `${file}:3: price is empty`,
      `${file}:4: price is not a number («дорого»)`,
      `${file}:5: this row cannot be read: a quote (") opens in it and never closes`,
      `${file}:7: stock is not a whole number of pieces («много»)`,
    ]);
    expect(messy.stdout).toContain('3 products (3 new, 0 updated, 0 price changes); 4 rows skipped');
    const rows = byId(await s.inDb((d) => rowsOf(d.db)));
    expect(rows.get('NS-2')).toMatchObject({ price: '119050', currency: 'RUB', stock: 100 });
    expect([...rows.keys()].sort()).toEqual(['M-1', 'M-5', 'M-7', 'NS-1', 'NS-2']);
    // the same file again: nothing changed, nothing counted as updated
    expect((await s.importFile(fixture('catalog-no-stock.csv'))).stdout).toContain('2 products (0 new, 0 updated, 0 price changes)');
    const notCatalog = await s.importFile(fixture('not-a-catalog.csv'));
    expect(notCatalog.code).toBe(1);
    expect(notCatalog.stderr).toContain('this is not a catalog file Vitrina reads');
  });
});

describe.each(backends())('real CommerceML through the 1C endpoint ($name)', (backend: Backend) => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
    await backend.cleanup();
  });
  const exchange = async (env: Record<string, string>, files: string[]) => {
    await h?.close();
    h = await startHarness({ backend, env: { ...ONEC, ...env } });
    const c = new OneCClient({
      fetch: (url, init) => Promise.resolve(h!.app.request(url, init)),
      url: '/exchange/1c',
      user: ONEC.ONEC_USER,
      password: ONEC.ONEC_PASSWORD,
    });
    return c.exchangeCatalog(
      files.map((f) => ({ name: f.replace(/-1251|\.xml$/g, '') + '.xml', data: readFileSync(fixture(f)) })),
      { imports: files.map((f) => f.replace(/-1251|\.xml$/g, '') + '.xml') },
    );
  };

  it('Bitrix and 1C:УТ 11 exports import as through the CLI', async () => {
    expect(await exchange({}, ['bitrix-import-1251.xml', 'bitrix-offers-1251.xml'])).toEqual({ ok: true, answer: 'success' });
    const bitrix = byId(await rowsOf(h!.services.database.db));
    expect(bitrix.get('2041')).toMatchObject({ brand: 'Кросс&Ко', color: 'черный', price: '349000', currency: 'RUB' });
    expect(await exchange({}, ['ut11-import.xml', 'ut11-offers.xml'])).toEqual({ ok: true, answer: 'success' });
    const ut = await rowsOf(h!.services.database.db);
    expect(ut.filter((r) => r.parent_id === 'pants-classic').map((r) => [r.attributes.Размер, r.color, r.price])).toEqual([
      ['46', 'синий', '690000'],
      ['48', 'серый', '700000'],
      ['50', 'синий', '710000'],
      ['52', 'серый', '720000'],
      ['54', 'синий', '730000'],
    ]);
  });

  it('a wholesale-only price list and an offers file of another catalog: 1C hears failure with the reason', async () => {
    const refused = await exchange({}, ['uah-import.xml', 'uah-wholesale-offers.xml']);
    expect(refused.ok).toBe(false);
    expect(refused.answer).toMatch(/^failure\n.*none of 1C's price types is named as a retail price: «Оптовая», «Крупный опт»/s);
    const other = await exchange({}, ['uah-import.xml', 'offers-of-another-catalog.xml']);
    expect(other).toMatchObject({ ok: false, answer: expect.stringContaining("none of the file's 2 offers is for a good the store has") });
    const named = await exchange({ STORE_DIR: wholesaleStore() }, ['uah-import.xml', 'uah-wholesale-offers.xml']);
    expect(named).toEqual({ ok: true, answer: 'success' });
  });
});
