/**
 * bench/search: 100,000 products (the demo catalog's vocabulary, varied), then a mix of
 * shopper queries with and without filters, typos included. Prints p50/p95/p99 per backend.
 *
 *   npm run bench:search      (BENCH_PRODUCTS, BENCH_QUERIES to tune)
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { searchProducts, upsertProducts } from '../src/catalog/catalog-repo.ts';
import { productInput, toRow, type ProductRow } from '../src/catalog/product.ts';
import { extract } from '../core/extract.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { table, headline } from './lib.ts';
import { loadVocabulary } from '../src/catalog/vocabulary.ts';

const vocabulary = loadVocabulary();

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const demo = (JSON.parse(readFileSync(new URL('../src/catalog/demo-catalog.json', import.meta.url), 'utf8')) as { products: Array<Record<string, unknown>> }).products;
const adjectives = ['удобный', 'компактный', 'большой', 'мягкий', 'прочный', 'элегантный', 'уютный', 'практичный', 'новый', 'премиум'];

function catalog(): ProductRow[] {
  return Array.from({ length: PRODUCTS }, (_, i) => {
    const base = demo[i % demo.length]!;
    const adj = adjectives[Math.floor(i / demo.length) % adjectives.length];
    return toRow(
      productInput.parse({ ...base, id: `B-${i}`, name: `${base.name} ${adj} ${i}`, price: Math.round(Number(base.price) * (0.7 + ((i * 7919) % 600) / 1000)) }),
      'KZT',
    );
  });
}

const SHOPPER_QUERIES = [
  'хочу серый диван до 300 тысяч', 'диваны серые', 'угловой диван', 'кресло лофт', 'белый шкаф-купе', 'журнальный стол до 50 тысяч',
  'люстра', 'grey sofa under 200k', 'red armchair', 'маған жасыл кресло керек', 'кровать двуспальная', 'дивн угловой', 'крсло',
  'стул барный чёрный', 'зеркало', 'велюр', 'торшер современный', 'диван-кровать синий до 250 тысяч', 'стол', 'компактный диван',
];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(name: string, d: Database) {
  const rows = catalog();
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 1000) await d.db.transaction((tx) => upsertProducts(tx, rows.slice(i, i + 1000), new Date()));
  const importS = (performance.now() - t0) / 1000;
  await d.db.execute('analyze' as never);
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < QUERIES + 50; i++) {
    const q = SHOPPER_QUERIES[i % SHOPPER_QUERIES.length]!;
    const ex = extract(q, vocabulary);
    const t = performance.now();
    const r = await searchProducts(d.db, ex.rest, { category: ex.category, color: ex.color, style: ex.style, maxPrice: ex.budgetMax ? ex.budgetMax * 100 : null });
    if (i >= 50) {
      times.push(performance.now() - t);
      if (r.products.length) found++;
    }
  }
  return { backend: name, products: PRODUCTS, 'import s': importS.toFixed(1), queries: QUERIES, 'with results': found, 'p50 ms': pct(times, 50).toFixed(2), 'p95 ms': pct(times, 95).toFixed(2), 'p99 ms': pct(times, 99).toFixed(2) };
}

const out = [];
const dbName = `vt_bench_search_${Date.now().toString(36)}`;
const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
try {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${dbName}`;
  const pg = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://' });
  out.push(await measure('postgres', pg));
  await pg.close();
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
const lite = await openDatabase({ dataDir: 'memory://' });
out.push(await measure('pglite (memory)', lite));
await lite.close();
console.log(`search: ${SHOPPER_QUERIES.length} shopper queries (filters from the words, typos included), sequential`);
console.log(table(out));
headline(
  out.map((r) => ({
    benchmark: 'search',
    measure: `${r.backend}, ${r.products} products`,
    result: `p50 ${r['p50 ms']} ms, p95 ${r['p95 ms']} ms`,
    goal: r.backend === 'postgres' ? 'p95 ≤ 10 ms' : 'reported',
    ...(r.backend === 'postgres' ? { met: Number(r['p95 ms']) <= 10 } : {}),
  })),
);
process.exit(0);
