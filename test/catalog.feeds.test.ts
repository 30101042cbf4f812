import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { sourceReading } from '../src/catalog/source-reading.ts';
import { readYml, UNCOUNTED_STOCK } from '../src/catalog/yml.ts';
import { query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const YML = new URL('./fixtures/yml/shop.yml', import.meta.url);
const YML_1251 = new URL('./fixtures/yml/shop-1251.yml', import.meta.url);
const reading = sourceReading(loadLexicon(), { priceType: null, fields: {}, orderStatuses: {} }, 'KZT');

describe('YML feeds, read as a stream', () => {
  it('categories as a tree, name or typePrefix + vendor + model, prices in their currency (RUR is RUB), params as colour and material or attributes, a bad offer reported by line', async () => {
    const r = await readYml(createReadStream(YML), reading);
    expect(r.errors).toEqual([{ line: 50, error: 'offer bad 4: id must not contain spaces; price is not a number («дорого»)' }]);
    expect(r.rows.map((p) => [p.id, p.name, p.category, p.tags, p.brand, p.color, p.material, p.price, p.oldPrice, p.currency, p.stock])).toEqual([
      ['bike-1', 'Горный велосипед Trail 29', 'Велосипеды', ['Спорт'], 'Stels', 'синий', 'Алюминий', 18999000, 20999000, 'KZT', 4],
      ['tent-2', 'Палатка Tramp Lite Twin 2', 'Палатки', ['Туризм', 'Спорт'], 'Tramp', 'зелёный', '', 4500000, null, 'KZT', UNCOUNTED_STOCK],
      ['tent-3', 'Палатка пляжная', 'Палатки', ['Туризм', 'Спорт'], '', '', '', 890000, null, 'RUB', 0],
    ]);
    expect(r.rows[0]).toMatchObject({
      description: 'Алюминиевая рама, 21 скорость & дисковые тормоза.',
      imageUrl: 'https://sport.example.kz/img/bike-1.jpg',
      url: 'https://sport.example.kz/p/bike-1',
      attributes: { 'Диаметр колёс, дюйм': '29', article: 'ST-T29' },
    });
  });

  it('a windows-1251 feed reads the same; a cut one is one error and no rows', async () => {
    const a = await readYml(createReadStream(YML), reading);
    const b = await readYml(createReadStream(YML_1251), reading);
    expect(b).toEqual(a);
    const cut = readFileSync(YML).subarray(0, 1500);
    const r = await readYml(Readable.from([cut]), reading);
    expect(r.rows).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.error).toMatch(/^the feed is not whole XML: /);
  });
});

/** A shop's feed host: serves `body` with an ETag, answers 304 to a matching If-None-Match, or misbehaves as told. */
class FeedHost {
  body: Buffer = readFileSync(YML);
  mode: 'ok' | 'cut' | 'error' = 'ok';
  requests: Array<Record<string, string | undefined>> = [];
  private server: Server | null = null;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      this.requests.push({ 'if-none-match': req.headers['if-none-match'] as string | undefined });
      const etag = `"${this.body.length}-${this.body.subarray(0, 2000).toString('base64').length}-${this.body.toString('utf8').includes('159990')}"`;
      if (this.mode === 'error') return void res.writeHead(500).end('oops');
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/xml', etag, 'content-length': String(this.body.length) });
      if (this.mode === 'cut') {
        // the connection drops once 1000 bytes are on the wire
        return void res.write(this.body.subarray(0, 1000), () => res.destroy());
      }
      res.end(this.body);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/export/yml.xml?token=secret`;
  }
  stop() {
    return new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe.each(backends())('catalog feed (CATALOG_FEED_URL) and file imports ($name)', (backend) => {
  const host = new FeedHost();
  let h: Harness;
  beforeAll(() => host.start());
  afterAll(async () => {
    await host.stop();
    await backend.cleanup();
  });
  afterEach(() => h?.close());

  // each pull a minute after the last, as the cron runs it
  const run = async () =>
    (h.clock.advance(60_000), await h.app.request('/admin/api/jobs/catalog-feed/run', { method: 'POST', headers: { authorization: 'Bearer adm' } })).json();
  const prices = async () =>
    query<{ id: string; price: string; active: boolean }>(h.services.database.db, sql`select id, price::text as price, active from products order by id`);

  it('imports, then a conditional GET finds it unchanged; a new price is imported; a cut, failed or broken feed changes nothing', async () => {
    host.mode = 'ok';
    host.body = readFileSync(YML);
    // the last feed below is a one-row CSV standing for the whole catalog: allowed here (test/security/feeds.test.ts refuses it by default)
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm', CATALOG_FEED_URL: host.url, DEMO_CATALOG: 'off', CATALOG_FEED_MAX_REMOVAL_PERCENT: '100' } });
    const first = await run();
    expect(first).toMatchObject({
      job: 'catalog-feed',
      ran: true,
      counts: { imported: 1, notModified: 0, failed: 0 },
      report: { status: 'imported', format: 'yml', counts: { products: 3, skipped: 1, inserted: 3 } },
    });
    const imported = await prices();
    expect(imported).toEqual([
      { id: 'bike-1', price: '18999000', active: true },
      { id: 'tent-2', price: '4500000', active: true },
      { id: 'tent-3', price: '890000', active: true },
    ]);
    // unchanged: the second GET carries the ETag and gets 304
    expect(await run()).toMatchObject({ counts: { notModified: 1 }, report: { status: 'not-modified' } });
    expect(host.requests.at(-1)!['if-none-match']).toMatch(/^"/);

    // a new price: imported, written to price history
    host.body = Buffer.from(readFileSync(YML, 'utf8').replace('<price>189990</price>', '<price>159990</price>'));
    expect(await run()).toMatchObject({ report: { status: 'imported', counts: { priceChanges: 1 } } });
    expect((await prices())[0]).toEqual({ id: 'bike-1', price: '15999000', active: true });
    const after = await prices();

    // cut mid-download, a 500, a feed that is not whole XML: failed exchanges, the catalog as it was
    host.body = Buffer.from(readFileSync(YML, 'utf8').replace('<price>159990</price>', '<price>99990</price>'));
    host.mode = 'cut';
    expect((await run()).report).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^the download (broke off after \d+ bytes|is incomplete: 1000 of \d+ bytes)/),
    });
    host.mode = 'error';
    expect((await run()).report).toEqual({ status: 'failed', exchange: expect.any(String), error: 'the feed answered HTTP 500' });
    host.mode = 'ok';
    host.body = readFileSync(YML).subarray(0, 1800);
    expect((await run()).report).toMatchObject({ status: 'failed', error: expect.stringMatching(/^yml: line \d+: the feed is not whole XML: /) });
    expect(await prices()).toEqual(after);
    // the operator sees each of them
    const { exchanges } = (await (await h.app.request('/admin/api/catalog/exchanges', { headers: { authorization: 'Bearer adm' } })).json()) as {
      exchanges: Array<{ source: string; status: string; error: string | null }>;
    };
    expect(exchanges.filter((e) => e.source === 'feed').map((e) => e.status)).toEqual(['failed', 'failed', 'failed', 'done', 'done']);
    // the feed's token never reaches the log or the exchange record
    expect(JSON.stringify(exchanges)).not.toContain('secret');

    // the same URL serving CommerceML, then CSV: each read as what it is
    host.body = readFileSync(new URL('./fixtures/commerceml/import0_1.xml', import.meta.url));
    expect((await run()).report).toMatchObject({ status: 'imported', format: 'commerceml', counts: { goods: 36, inserted: 36 } });
    host.body = Buffer.from('id,name,price,category,stock\nbike-1,Горный велосипед Trail 29,149990,Велосипеды,2\n');
    expect((await run()).report).toMatchObject({ status: 'imported', format: 'csv', counts: { products: 1, priceChanges: 1 } });
    expect((await prices()).find((p) => p.id === 'bike-1')).toEqual({ id: 'bike-1', price: '14999000', active: true });
  });

  it('the admin API takes a catalog file as it is (YML here), and a whole one replaces what it lacks', async () => {
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm' }, demo: 'sports' });
    const res = await h.app.request('/admin/api/catalog/import', {
      method: 'POST',
      headers: { authorization: 'Bearer adm' },
      body: new Uint8Array(readFileSync(YML)),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ format: 'yml', counts: { products: 3, skipped: 1, inserted: 3 }, errors: [{ line: 50 }] });
    const bad = await h.app.request('/admin/api/catalog/import?replace=true', {
      method: 'POST',
      headers: { authorization: 'Bearer adm' },
      body: new Uint8Array(readFileSync(YML)),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe('yml: a whole catalog imports only without errors: a skipped row would remove its product');
  });
});

describe('vitrina catalog import (CLI)', () => {
  it('reads YML and CommerceML files into the embedded store', async () => {
    const env = { ...process.env, DATA_DIR: join(mkdtempSync(join(tmpdir(), 'vt-feed-')), 'd'), DEMO_CATALOG: 'off', LOG_LEVEL: 'silent' };
    const cli = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) =>
        execFile(process.execPath, ['bin/vitrina.js', ...args], { env }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
        ),
      );
    const yml = await cli('catalog', 'import', YML.pathname);
    expect(yml.out).toBe(
      `imported ${YML.pathname} (yml) into the embedded database in ${env.DATA_DIR} (made now): 3 products (3 new, 0 updated, 0 price changes); 1 row skipped\n`,
    );
    expect(yml.err).toBe(`${YML.pathname}:50: offer bad 4: id must not contain spaces; price is not a number («дорого»)\n`);
    const goods = await cli('catalog', 'import', new URL('./fixtures/commerceml/import0_1.xml', import.meta.url).pathname);
    expect(goods).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^imported .*import0_1\.xml \(commerceml\) into the embedded database in \/.*\/d: goods 36, offers 0, inserted 36, /),
    });
    const offers = await cli('catalog', 'import', new URL('./fixtures/commerceml/offers0_1.xml', import.meta.url).pathname);
    expect(offers).toMatchObject({
      code: 0,
      out: expect.stringMatching(/goods 0, offers 44, inserted 0, updated 0, priceChanges 36, stockChanges 31, hidden 0, unknown 8,/),
    });
  });
});
