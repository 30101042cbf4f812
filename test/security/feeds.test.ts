import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csvPass } from '../../src/catalog/csv.ts';
import { fileReading } from '../../src/catalog/demo.ts';
import type { CatalogItem } from '../../src/catalog/import.ts';
import { query, sql } from '../../src/db/database.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const ONE_ROW = 'id,name,price,category\nX-1,Стул «Тест»,10000,Стулья\n';

/** A host that serves routes: a body, or a redirect. */
async function host(
  routes: Record<string, { body?: string; location?: string }>,
): Promise<{ url: (path: string, name?: string) => string; stop: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const r = routes[req.url ?? ''];
    if (!r) return void res.writeHead(404).end();
    if (r.location) return void res.writeHead(302, { location: r.location }).end();
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(r.body!)) }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: (path, name = '127.0.0.1') => `http://${name}:${port}${path}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('catalog feeds from hosts that misbehave', () => {
  const backend = backends()[0]!;
  let h: Harness;
  const routes: Record<string, { body?: string; location?: string }> = {};
  let shop: Awaited<ReturnType<typeof host>>;
  beforeAll(async () => {
    shop = await host(routes);
  });
  afterAll(() => shop.stop());
  afterEach(() => h?.close());
  const pull = async () => (await h.app.request('/admin/api/jobs/catalog-feed/run', { method: 'POST', headers: { authorization: 'Bearer adm' } })).json();
  const active = async () => Number((await query<{ n: number }>(h.services.database.db, sql`select count(*)::int as n from products where active`))[0]!.n);

  it('a redirect on the feed’s own host is followed; to another host it is refused unless CATALOG_FEED_REDIRECTS=any', async () => {
    routes['/feed.csv'] = { body: ONE_ROW };
    routes['/old.csv'] = { location: '/feed.csv' };
    routes['/elsewhere.csv'] = { location: shop.url('/feed.csv', 'localhost') };
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm', DEMO_CATALOG: 'off', CATALOG_FEED_URL: shop.url('/old.csv') } });
    expect(await pull()).toMatchObject({ report: { status: 'imported', counts: { inserted: 1 } } });
    await h.close();

    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm', DEMO_CATALOG: 'off', CATALOG_FEED_URL: shop.url('/elsewhere.csv') } });
    const refused = await pull();
    expect(refused.report).toEqual({
      status: 'failed',
      exchange: null,
      error: expect.stringMatching(/^the feed redirected to another host \(localhost:\d+\): not followed; set CATALOG_FEED_REDIRECTS=any/),
    });
    expect(await active()).toBe(0);
    await h.close();

    h = await startHarness({
      backend,
      env: { ADMIN_TOKEN: 'adm', DEMO_CATALOG: 'off', CATALOG_FEED_URL: shop.url('/elsewhere.csv'), CATALOG_FEED_REDIRECTS: 'any' },
    });
    expect(await pull()).toMatchObject({ report: { status: 'imported' } });
  });

  it('a one-row feed over a 305-product catalog is refused and removes nothing; CATALOG_FEED_MAX_REMOVAL_PERCENT=100 lets a store that really shrank replace it', async () => {
    routes['/feed.csv'] = { body: ONE_ROW };
    h = await startHarness({ backend, demo: true, env: { ADMIN_TOKEN: 'adm', CATALOG_FEED_URL: shop.url('/feed.csv') } });
    expect(await active()).toBe(305);
    const refused = await pull();
    expect(refused.report).toMatchObject({
      status: 'failed',
      error: 'csv: it would remove 305 of the 305 products (over 50 %): refused; set CATALOG_FEED_MAX_REMOVAL_PERCENT=100 if the catalog really shrank',
    });
    expect(await active()).toBe(305);
    await h.close();

    h = await startHarness({
      backend,
      demo: true,
      env: { ADMIN_TOKEN: 'adm', CATALOG_FEED_URL: shop.url('/feed.csv'), CATALOG_FEED_MAX_REMOVAL_PERCENT: '100' },
    });
    expect(await pull()).toMatchObject({ report: { status: 'imported', counts: { inserted: 1, deleted: 305 } } });
    expect(await active()).toBe(1);
  });
});

describe('a large CSV catalog is read as a stream', () => {
  /** A CSV of `rows` rows made as it is read, a chunk of 100 rows at a time; `read` counts the chunks taken. */
  function feed(rows: number, odd: Record<number, string> = {}) {
    const state = { read: 0, chunks: Math.ceil(rows / 100) };
    async function* chunks() {
      yield Buffer.from('id,name,price,description\n');
      for (let c = 0; c < state.chunks; c++) {
        state.read++;
        let text = '';
        for (let i = c * 100; i < Math.min(rows, (c + 1) * 100); i++)
          text += odd[i] ?? `P-${i},Товар ${i},${1000 + i},"Описание, в две строки:\nпрочный ""Лофт"""\n`;
        yield Buffer.from(text);
      }
    }
    return { state, open: () => chunks() };
  }

  it('rows are handed on a batch at a time while the file is still being read, not after it is held whole', async () => {
    const f = feed(20_000);
    const seen: Array<{ size: number; readSoFar: number }> = [];
    const whole = await csvPass(f.open, fileReading('KZT'))(async (items) => void seen.push({ size: items.length, readSoFar: f.state.read }));
    expect(whole).toBeNull();
    expect(seen.map((s) => s.size)).toEqual(Array(20).fill(1000));
    // the first thousand rows went on when ten or eleven of the two hundred chunks had been read
    expect(seen[0]!.readSoFar).toBeLessThanOrEqual(11);
    expect(f.state.read).toBe(200);
  });

  it('a quote that never closes costs its own row, a stray quote inside a field costs its row, and every row after them is read, with file lines', async () => {
    const f = feed(3_000, { 10: 'P-10,"Стол без конца,5000,\n', 20: 'P-20,Стул 5",3000,\n' });
    const items: CatalogItem[] = [];
    expect(await csvPass(f.open, fileReading('KZT'))(async (batch) => void items.push(...batch))).toBeNull();
    const errors = items.filter((i) => 'error' in i);
    // each good row takes two lines (its description is two): row i starts on line 2 + 2i
    expect(errors).toEqual([
      { line: 22, error: 'this row cannot be read: a quote (") opens in it and never closes' },
      { line: 41, error: 'this row cannot be read: Invalid Opening Quote: a quote is found on field "name", value is "Стул 5"' },
    ]);
    expect(items.length - errors.length).toBe(2_998);
    expect(items.find((i) => 'row' in i && i.row.id === 'P-2999')).toMatchObject({
      line: 2 + 2 * 2999 - 2,
      row: { description: 'Описание, в две строки:\nпрочный "Лофт"' },
    });
  });
});
