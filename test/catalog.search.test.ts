import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchProducts, upsertProducts } from '../src/catalog/catalog-repo.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { toRow, productInput } from '../src/catalog/product.ts';
import { loadConfig } from '../src/config.ts';
import { backends } from './helpers/backends.ts';

const p = (id: string, name: string, extra: Record<string, unknown> = {}) => toRow(productInput.parse({ id, name, price: 100000, stock: 1, ...extra }), 'KZT');

describe.each(backends())('catalog search ($name)', (backend) => {
  let d: Database;
  beforeAll(async () => {
    const env = loadConfig(await backend.env());
    d = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: 'memory://' });
    await upsertProducts(d.db, [
      p('S1', 'Диван угловой серый', { category: 'Диваны', color: 'серый', price: 249990, description: 'Corner sofa, grey velour' }),
      p('S2', 'Диван прямой бежевый', { category: 'Диваны', color: 'бежевый', price: 189990 }),
      p('S3', 'Кресло лофт серое', { category: 'Кресла', color: 'серый', style: 'лофт', price: 89990 }),
      p('S4', 'Диван-кровать серый', { category: 'Диваны', color: 'серый', price: 399990, stock: 0 }),
      p('S5', 'Стол журнальный дубовый', { category: 'Столы', color: 'коричневый', price: 59990 }),
      ...Array.from({ length: 30 }, (_, i) => p(`M${i}`, `Стул обеденный ${i}`, { category: 'Стулья', price: 10000 + i })),
    ], new Date());
  });
  afterAll(async () => {
    await d.close();
    await backend.cleanup();
  });
  const ids = (r: { products: Array<{ id: string }> }) => r.products.map((x) => x.id);

  it('"диваны серые" finds "Диван угловой серый" (Russian stemming)', async () => {
    const r = await searchProducts(d.db, 'диваны серые');
    expect(ids(r)).toContain('S1');
    expect(ids(r)).not.toContain('S2');
    expect(r.match).toBe('all');
  });

  it('English words in descriptions match through the simple configuration', async () => {
    expect(ids(await searchProducts(d.db, 'velour'))).toEqual(['S1']);
  });

  it('filters: category, colour, style, price range, in stock', async () => {
    expect(ids(await searchProducts(d.db, '', { category: 'Диваны', color: 'серый' }))).toEqual(['S1', 'S4']);
    expect(ids(await searchProducts(d.db, '', { category: 'Диваны', color: 'серый', inStock: true }))).toEqual(['S1']);
    expect(ids(await searchProducts(d.db, '', { category: 'диваны', maxPrice: 200000 * 100 }))).toEqual(['S2']);
    expect(ids(await searchProducts(d.db, '', { style: 'лофт' }))).toEqual(['S3']);
    expect(ids(await searchProducts(d.db, 'диван', { minPrice: 300000 * 100 }))).toEqual(['S4']);
  });

  it('name matches rank above description matches; in-stock first', async () => {
    const r = await searchProducts(d.db, 'серый');
    expect(ids(r).slice(0, 3).sort()).toEqual(['S1', 'S3', 'S4']);
  });

  it('is always bounded to 10 results', async () => {
    const r = await searchProducts(d.db, 'стул', {}, 50);
    expect(r.products).toHaveLength(10);
  });

  it('a typo gets "did you mean" through trigrams', async () => {
    const r = await searchProducts(d.db, 'дивн угловой');
    expect(r.didYouMean).toBe('диван угловой');
    expect(ids(r)).toEqual(['S1']);
    // a word the Russian stemmer already knows ("угловй" → углов) is left alone
    expect((await searchProducts(d.db, 'угловй')).didYouMean).toBeNull();
  });

  it('when not every word matches, any word may', async () => {
    const r = await searchProducts(d.db, 'кресло пуф');
    expect(r.match).toBe('any');
    expect(ids(r)).toEqual(['S3']);
  });

  it('hostile input is just words', async () => {
    for (const q of ["'); drop table products; --", '!!!', '&|:*()<>', 'a'.repeat(5000)]) {
      await expect(searchProducts(d.db, q)).resolves.toBeDefined();
    }
    expect(ids(await searchProducts(d.db, 'диван'))).toContain('S1');
  });
});
