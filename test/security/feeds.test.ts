import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { query, sql } from '../../src/db/database.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const ONE_ROW = 'id,name,price,category\nX-1,Стул «Тест»,10000,Стулья\n';

/** A host that serves routes: a body, or a redirect. */
async function host(routes: Record<string, { body?: string; location?: string }>): Promise<{ url: (path: string, name?: string) => string; stop: () => Promise<void> }> {
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
    expect(refused.report).toEqual({ status: 'failed', exchange: null, error: expect.stringMatching(/^the feed redirected to another host \(localhost:\d+\): not followed; set CATALOG_FEED_REDIRECTS=any/) });
    expect(await active()).toBe(0);
    await h.close();

    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm', DEMO_CATALOG: 'off', CATALOG_FEED_URL: shop.url('/elsewhere.csv'), CATALOG_FEED_REDIRECTS: 'any' } });
    expect(await pull()).toMatchObject({ report: { status: 'imported' } });
  });

  it('a one-row feed over a 305-product catalog is refused and removes nothing; CATALOG_FEED_MAX_REMOVAL_PERCENT=100 lets a store that really shrank replace it', async () => {
    routes['/feed.csv'] = { body: ONE_ROW };
    h = await startHarness({ backend, demo: true, env: { ADMIN_TOKEN: 'adm', CATALOG_FEED_URL: shop.url('/feed.csv') } });
    expect(await active()).toBe(305);
    const refused = await pull();
    expect(refused.report).toMatchObject({ status: 'failed', error: 'csv: it would remove 305 of the 305 products (over 50 %): refused; set CATALOG_FEED_MAX_REMOVAL_PERCENT=100 if the catalog really shrank' });
    expect(await active()).toBe(305);
    await h.close();

    h = await startHarness({ backend, demo: true, env: { ADMIN_TOKEN: 'adm', CATALOG_FEED_URL: shop.url('/feed.csv'), CATALOG_FEED_MAX_REMOVAL_PERCENT: '100' } });
    expect(await pull()).toMatchObject({ report: { status: 'imported', counts: { inserted: 1, deleted: 305 } } });
    expect(await active()).toBe(1);
  });
});
