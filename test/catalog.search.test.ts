import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeProductsExcept, searchConfigs, upsertProducts, useSearchConfigs } from '../src/catalog/catalog-repo.ts';
import { MAX_FETCH, searchProducts } from '../src/catalog/catalog-search.ts';
import { readFacets } from '../src/catalog/facets.ts';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { toRow, productInput } from '../src/catalog/product.ts';
import { tokens } from '../src/catalog/words.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, query, sql, type Database } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';

const p = (id: string, name: string, extra: Record<string, unknown> = {}) => toRow(productInput.parse({ id, name, price: 100000, stock: 1, ...extra }), 'KZT');
const words = (text: string) => tokens(text).map((w) => [w]);
const CONFIGS = searchConfigs(['ru', 'kk', 'en']);
const search = (d: Database, text: string, f = {}, limit?: number) => searchProducts(d.db, words(text), f, { configs: CONFIGS, limit });

describe.each(backends())('catalog search ($name)', (backend) => {
  let d: Database;
  beforeAll(async () => {
    const env = loadConfig(await backend.env());
    d = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: 'memory://' });
    await useSearchConfigs(d.db, CONFIGS);
    await upsertProducts(
      d.db,
      [
        p('S1', 'Диван угловой серый', { category: 'Диваны', color: 'серый', price: 249990, description: 'Corner sofa, grey velour' }),
        p('S2', 'Диван прямой бежевый', { category: 'Диваны', color: 'бежевый', price: 189990 }),
        p('S3', 'Кресло лофт серое', { category: 'Кресла', color: 'серый', style: 'лофт', price: 89990 }),
        p('S4', 'Диван-кровать серый', { category: 'Диваны', color: 'серый', price: 399990, stock: 0 }),
        p('S5', 'Стол журнальный дубовый', { category: 'Столы', color: 'коричневый', price: 59990 }),
        p('C1', 'Canon EOS R50 Kit', { category: 'Cameras', brand: 'Canon', price: 450000, tags: ['mirrorless'], attributes: { sensor: 'APS-C' } }),
        p('C2', 'Canon EOS R5 Body', { category: 'Cameras', brand: 'Canon', price: 1500000 }),
        p('C3', 'Canon EOS R50 lens cap', { category: 'Accessories', brand: 'Canon', price: 5000 }),
        p('P1', 'Смартфон Galaxy A55 128GB', { category: 'Смартфоны', price: 180000, attributes: { memory: '128 GB' } }),
        p('P2', 'Смартфон Galaxy A55 256GB', { category: 'Смартфоны', price: 210000, attributes: { memory: '256 GB' } }),
        ...Array.from({ length: 30 }, (_, i) => p(`M${i}`, `Стул обеденный ${i}`, { category: 'Стулья', price: 10000 + i })),
      ],
      new Date(),
    );
  });
  afterAll(async () => {
    await d.close();
    await backend.cleanup();
  });
  const ids = (r: { products: Array<{ id: string }> }) => r.products.map((x) => x.id);

  it('"диваны серые" finds "Диван угловой серый" (Russian stemming)', async () => {
    const r = await search(d, 'диваны серые');
    expect(ids(r)).toContain('S1');
    expect(ids(r)).not.toContain('S2');
    expect(r.match).toBe('all');
  });

  it('English words in descriptions match through the English configuration ("sofas" finds "sofa")', async () => {
    expect(ids(await search(d, 'velour'))).toEqual(['S1']);
    expect(ids(await search(d, 'corner sofas'))).toEqual(['S1']);
  });

  it('filters: sets of catalog values for category and colour, style, price range, in stock', async () => {
    expect(ids(await search(d, '', { category: ['Диваны'], color: ['серый'] }))).toEqual(['S1', 'S4']);
    expect(ids(await search(d, '', { category: ['Диваны'], color: ['серый'], inStock: true }))).toEqual(['S1']);
    expect(ids(await search(d, '', { category: ['диваны'], maxPrice: 200000 * 100 }))).toEqual(['S2']);
    expect(ids(await search(d, '', { style: ['лофт'] }))).toEqual(['S3']);
    expect(ids(await search(d, '', { color: ['серый', 'бежевый'], category: ['Диваны'] }))).toEqual(['S2', 'S1', 'S4']);
    expect(ids(await search(d, 'диван', { minPrice: 300000 * 100 }))).toEqual(['S4']);
  });

  it('an exact model name ranks first; numbers are kept', async () => {
    expect(
      ids(await search(d, 'canon r50'))
        .slice(0, 2)
        .sort(),
    ).toEqual(['C1', 'C3']);
    expect(ids(await search(d, 'canon eos r50 kit'))).toEqual(['C1']);
    expect(ids(await search(d, 'canon r5'))).toEqual(['C2']);
    expect(ids(await search(d, 'galaxy 256 gb'))).toEqual(['P2']);
    // "128GB" in a name and "128 гб" from a shopper: the number and the unit are split on both sides
    expect(ids(await searchProducts(d.db, [['128'], ['gb', 'гб']], {}, { configs: CONFIGS }))).toEqual(['P1']);
  });

  it('tags and attribute values are searchable', async () => {
    expect(ids(await search(d, 'mirrorless'))).toEqual(['C1']);
    expect(ids(await search(d, 'aps-c'))).toEqual(['C1']);
  });

  it('name matches rank above description matches; in-stock first', async () => {
    const r = await search(d, 'серый');
    expect(ids(r).slice(0, 3).sort()).toEqual(['S1', 'S3', 'S4']);
  });

  it('is always bounded: 10 results unless asked for more, never more than MAX_FETCH', async () => {
    expect((await search(d, 'стул')).products).toHaveLength(10);
    // the chat reads up to MAX_FETCH variants to fill a page of products
    expect((await search(d, 'стул', {}, 25)).products).toHaveLength(25);
    expect((await search(d, '', {}, 500)).products).toHaveLength(MAX_FETCH);
  });

  it('a typo close to a catalog word gets "did you mean"; a word far from every catalog word does not', async () => {
    const r = await search(d, 'дивн угловой');
    expect(r.didYouMean).toBe('диван угловой');
    expect(ids(r)).toEqual(['S1']);
    expect((await search(d, 'угловй')).didYouMean).toBeNull();
    const far = await search(d, 'доставка');
    expect(far.didYouMean).toBeNull();
    expect(far.products).toEqual([]);
  });

  it('when not every word matches, any word may', async () => {
    const r = await search(d, 'кресло пуф');
    expect(r.match).toBe('any');
    expect(ids(r)).toEqual(['S3']);
  });

  it('hostile input is just words', async () => {
    for (const q of ["'); drop table products; --", '!!!', '&|:*()<>', 'a'.repeat(5000)]) {
      await expect(search(d, q)).resolves.toBeDefined();
    }
    expect(ids(await search(d, 'диван'))).toContain('S1');
  });

  it('facets count the catalog’s values', async () => {
    const f = await readFacets(d.db);
    expect(f.fields.category.find((c) => c.value === 'Стулья')).toEqual({ value: 'Стулья', count: 30 });
    expect(f.fields.brand).toEqual([{ value: 'Canon', count: 3 }]);
    expect(
      f.attributes
        .find((a) => a.key === 'memory')
        ?.values.map((v) => v.value)
        .sort(),
    ).toEqual(['128 GB', '256 GB']);
    // the lexicon's colour and material words this catalog writes (names, categories, fields)
    expect((await readFacets(d.db, loadLexicon())).productWords.sort()).toEqual(['бежевый', 'коричневый', 'серый']);
  });

  it('replacing the catalog deletes what the file lacks and deactivates what an alert names', async () => {
    const now = new Date();
    await d.db.execute(
      sql`insert into price_alerts (shopper_key, product_id, kind, base_price, target_price, created_at) values ('77010000000', 'S5', 'any', 5999000, 5998999, ${now.toISOString()}::timestamptz)`,
    );
    const keep = ['S1', 'S2', 'S3', 'S4', 'C1', 'C2', 'C3', 'P1', 'P2'];
    const r = await removeProductsExcept(d.db, keep, now);
    expect(r).toEqual({ deleted: 30, deactivated: 1 });
    const [row] = await query<{ active: boolean }>(d.db, sql`select active from products where id = 'S5'`);
    expect(row!.active).toBe(false);
    expect(ids(await search(d, 'стол журнальный'))).toEqual([]);
    // the next import that holds it brings it back
    await upsertProducts(d.db, [p('S5', 'Стол журнальный дубовый', { category: 'Столы', price: 59990 })], now);
    expect(ids(await search(d, 'стол журнальный'))).toEqual(['S5']);
  });
});
