import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fileReading } from '../src/catalog/demo.ts';
import { parseCsv } from '../src/catalog/csv.ts';
import { query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const run = promisify(execFile);

const CSV = `id,name,category,color,price,old_price,stock,tags,width_cm
A-1,Диван угловой серый,Диваны,серый,"149 990",169990,3,"loft, grey",280
A-2,,Диваны,серый,100,,1,,
A-3,"Кресло ""Лофт""",Кресла,зелёный,abc,,1,,
A-4,Стол,Столы,белый,59990,,0,,
`;

describe('catalog files', () => {
  it('CSV: bad rows reported by line, good rows kept, unknown columns become attributes', () => {
    const r = parseCsv(CSV, fileReading('KZT'));
    expect(r.errors).toEqual([
      { line: 3, error: 'name is empty' },
      { line: 4, error: 'price is not a number («abc»)' },
    ]);
    expect(r.rows.map((x) => x.id)).toEqual(['A-1', 'A-4']);
    expect(r.rows[0]).toMatchObject({ price: 14999000, oldPrice: 16999000, currency: 'KZT', tags: ['loft', 'grey'], attributes: { width_cm: '280' } });
  });

  it('CSV: a parent_id column makes rows variants of one product; a row naming itself is a product of its own', () => {
    const r = parseCsv(
      'id,name,price,parent_id,Размер\nT-1-S,Футболка S,4990,T-1,S\nT-1-M,Футболка M,4990,T-1,M\nT-2,Футболка поло,6990,T-2,\n',
      fileReading('KZT'),
    );
    expect(r.errors).toEqual([]);
    expect(r.rows.map((x) => [x.id, x.parentId, x.attributes])).toEqual([
      ['T-1-S', 'T-1', { размер: 'S' }],
      ['T-1-M', 'T-1', { размер: 'M' }],
      ['T-2', null, {}],
    ]);
  });

  it('the CLI imports a file into PGlite, reporting skipped lines, exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vt-import-'));
    const file = join(dir, 'catalog.csv');
    writeFileSync(file, CSV);
    const res = await run(process.execPath, ['bin/vitrina.js', 'catalog', 'import', file], { env: { ...process.env, DATA_DIR: join(dir, 'data') } }).catch(
      (e) => e,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`${file}:3: name is empty\n${file}:4: price is not a number («abc»)\n`);
    expect(res.stdout).toContain(
      `imported ${file} (csv) into the embedded database in ${join(dir, 'data')} (made now): 2 products (2 new, 0 updated, 0 price changes); 2 rows skipped`,
    );
  });
});

describe.each(backends())('POST /admin/api/products ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());
  afterAll(() => backend.cleanup());
  const post = (body: unknown, token = 'admin-secret') =>
    h.app.request('/admin/api/products', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it('needs the admin token', async () => {
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'admin-secret' } });
    expect((await post({ products: [] }, 'wrong')).status).toBe(401);
    expect((await h.app.request('/admin/api/products', { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('upserts, answers counts, and writes every price change to history', async () => {
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'admin-secret' } });
    const first = await post({
      products: [
        { id: 'B-1', name: 'Диван', price: 200000 },
        { id: 'B-2', name: 'Кресло', price: 90000 },
        { id: 'B-3', price: 1 },
      ],
    });
    expect(await first.json()).toEqual({
      received: 3,
      inserted: 2,
      updated: 0,
      priceChanges: 0,
      rejected: 1,
      errors: [{ index: 2, error: expect.stringContaining('name') }],
    });
    const second = await post({
      products: [
        { id: 'B-1', name: 'Диван', price: 179990, old_price: 200000 },
        { id: 'B-2', name: 'Кресло NEW', price: 90000 },
      ],
    });
    expect(await second.json()).toMatchObject({ inserted: 0, updated: 2, priceChanges: 1 });
    const history = await query<{ product_id: string; price: number }>(
      h.services.database.db,
      sql`select product_id, price::float8 as price from price_history order by id`,
    );
    expect(history).toEqual([
      { product_id: 'B-1', price: 20000000 },
      { product_id: 'B-2', price: 9000000 },
      { product_id: 'B-1', price: 17999000 },
    ]);
    expect((await post({ nope: 1 })).status).toBe(400);
  });
});
