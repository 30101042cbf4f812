/**
 * bench/search: 100,000 products (the demo catalog's words, varied), then a mix of shopper
 * queries with and without filters, typos included. Each query is read through the catalog
 * vocabulary (the mapping a turn does: lexicon, synonyms, stems, budget) and then searched.
 * Prints p50/p95/p99 of both per backend.
 *
 * On Postgres it also measures the hybrid path's own cost (BENCH_HYBRID=no skips it).
 *
 *   npm run bench:search      (BENCH_PRODUCTS, BENCH_QUERIES to tune)
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { searchConfigs, useSearchConfigs } from '../src/catalog/catalog-repo.ts';
import { searchProducts } from '../src/catalog/catalog-search.ts';
import { importRows } from '../src/catalog/import.ts';
import { readFacets } from '../src/catalog/facets.ts';
import { loadLexicon, loadSynonyms } from '../src/catalog/lexicon.ts';
import { toMinor } from '../src/catalog/money.ts';
import { Vocabulary } from '../core/vocabulary.ts';
import { storeCatalogFile } from '../src/catalog/demo.ts';
import { demoStoreDir } from '../src/config.ts';
import { productInput, toRow, type ProductRow } from '../src/catalog/product.ts';
import { extract } from '../core/extract.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { productWords } from '../src/catalog/embeddings.ts';
import { VectorIndex } from '../src/catalog/vector-index.ts';
import { fakeEmbedding } from '../test/fakes/openai.ts';
import { pct, table, headline } from './lib.ts';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const demo = (JSON.parse(readFileSync(storeCatalogFile(demoStoreDir()), 'utf8')) as { products: Array<Record<string, unknown>> }).products;
const adjectives = ['удобный', 'компактный', 'большой', 'мягкий', 'прочный', 'элегантный', 'уютный', 'практичный', 'новый', 'премиум'];

function catalog(): ProductRow[] {
  return Array.from({ length: PRODUCTS }, (_, i) => {
    const base = demo[i % demo.length]!;
    const adj = adjectives[Math.floor(i / demo.length) % adjectives.length];
    return toRow(
      productInput.parse({
        ...base,
        id: `B-${i}`,
        name: `${base.name} ${adj} ${i}`,
        price: Math.round(Number(base.price) * (0.7 + ((i * 7919) % 600) / 1000)),
      }),
      'KZT',
    );
  });
}

const SHOPPER_QUERIES = [
  'хочу серый диван до 300 тысяч',
  'диваны серые',
  'угловой диван',
  'кресло лофт',
  'белый шкаф-купе',
  'журнальный стол до 50 тысяч',
  'люстра',
  'grey sofa under 200k',
  'red armchair',
  'маған жасыл кресло керек',
  'кровать двуспальная',
  'дивн угловой',
  'крсло',
  'стул барный чёрный',
  'зеркало',
  'велюр',
  'торшер современный',
  'диван-кровать синий до 250 тысяч',
  'стол',
  'компактный диван',
];

async function measure(name: string, d: Database) {
  const rows = catalog();
  const t0 = performance.now();
  await importRows(d.db, rows, () => new Date());
  const importS = (performance.now() - t0) / 1000;
  await d.db.execute('analyze' as never);
  const t1 = performance.now();
  const vocabulary = new Vocabulary(await readFacets(d.db), loadLexicon(), loadSynonyms(`${demoStoreDir()}synonyms.yaml`));
  const vocabularyMs = performance.now() - t1;
  const configs = searchConfigs(['ru', 'kk', 'en']);
  const times: number[] = [];
  const mapTimes: number[] = [];
  let found = 0;
  for (let i = 0; i < QUERIES + 50; i++) {
    const q = SHOPPER_QUERIES[i % SHOPPER_QUERIES.length]!;
    const m = performance.now();
    vocabulary.readFresh(q);
    const mapped = performance.now() - m;
    const ex = extract(q, vocabulary);
    const t = performance.now();
    const r = await searchProducts(d.db, ex.rest, { ...ex.filters, maxPrice: ex.budgetMax ? toMinor(ex.budgetMax, 'KZT') : null }, { configs });
    if (i >= 50) {
      times.push(performance.now() - t);
      mapTimes.push(mapped);
      if (r.products.length) found++;
    }
  }
  if (name === 'postgres' && process.env.BENCH_HYBRID !== 'no')
    hybrids.push({ backend: name, products: PRODUCTS, ...(await measureHybrid(d, rows, vocabulary, configs)) });
  return {
    backend: name,
    products: PRODUCTS,
    'import s': importS.toFixed(1),
    'vocabulary build ms': vocabularyMs.toFixed(0),
    queries: QUERIES,
    'with results': found,
    'map p95 ms': pct(mapTimes, 95).toFixed(3),
    'p50 ms': pct(times, 50).toFixed(2),
    'p95 ms': pct(times, 95).toFixed(2),
    'p99 ms': pct(times, 99).toFixed(2),
  };
}

/**
 * The hybrid path's own cost, on top of the lexical search: the shopper's words embedded once
 * (one call to the model: its latency is the provider's, not measured here), the nearest 40 in
 * the in-process index, and the one extra query that reads those of them passing the filters.
 * Embeddings are the fake model's (hashed trigrams, 256 dimensions), so the index holds real
 * 100,000 × 256 vectors; its memory is the vectors plus the HNSW graph.
 */
async function measureHybrid(d: Database, rows: ProductRow[], vocabulary: Vocabulary, configs: string[]) {
  const dims = 256;
  const t0 = performance.now();
  const matrix = new Float32Array(rows.length * dims);
  for (const [i, r] of rows.entries()) matrix.set(fakeEmbedding(productWords(r), dims), i * dims);
  const embedS = (performance.now() - t0) / 1000;
  const rssBefore = process.memoryUsage().rss;
  const index = new VectorIndex(dims);
  const t1 = performance.now();
  await index.load(
    rows.map((r) => r.id),
    matrix,
  );
  await index.ready();
  const buildS = (performance.now() - t1) / 1000;
  const rssMb = (process.memoryUsage().rss - rssBefore) / 1e6;
  const own: number[] = [];
  const near: number[] = [];
  for (let i = 0; i < QUERIES + 50; i++) {
    const q = SHOPPER_QUERIES[i % SHOPPER_QUERIES.length]!;
    const ex = extract(q, vocabulary);
    const vector = Float32Array.from(fakeEmbedding(q, dims));
    const t = performance.now();
    const nearest = index.nearest(vector, 40);
    const n = performance.now();
    await searchProducts(
      d.db,
      [],
      { ...ex.filters, maxPrice: ex.budgetMax ? toMinor(ex.budgetMax, 'KZT') : null, ids: nearest.map((x) => x.id) },
      { configs, limit: 40 },
    );
    if (i >= 50) {
      own.push(performance.now() - t);
      near.push(n - t);
    }
  }
  return {
    'hybrid embed s': embedS.toFixed(1),
    'index build s': buildS.toFixed(1),
    'index MB': (index.bytes / 1e6).toFixed(1),
    'index rss MB': rssMb.toFixed(0),
    'nearest p95 ms': pct(near, 95).toFixed(2),
    'hybrid own p50 ms': pct(own, 50).toFixed(2),
    'hybrid own p95 ms': pct(own, 95).toFixed(2),
  };
}

const out = [];
const hybrids: Array<Record<string, string | number>> = [];
const dbName = `vt_bench_search_${Date.now().toString(36)}`;
const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
try {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${dbName}`;
  const pg = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://' });
  await useSearchConfigs(pg.db, searchConfigs(['ru', 'kk', 'en']));
  out.push(await measure('postgres', pg));
  await pg.close();
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
const lite = await openDatabase({ dataDir: 'memory://' });
await useSearchConfigs(lite.db, searchConfigs(['ru', 'kk', 'en']));
out.push(await measure('pglite (memory)', lite));
await lite.close();
console.log(`search: ${SHOPPER_QUERIES.length} shopper queries (filters from the words, typos included), sequential`);
console.log(table(out));
if (hybrids.length) console.log(`\nhybrid path's own cost (fake embeddings, 256 dims; one embedding call per search besides)\n${table(hybrids)}`);
headline([
  ...out.map((r) => ({
    benchmark: 'vocabulary mapping',
    measure: `${r.backend}: a shopper's words read onto the catalog's values`,
    result: `p95 ${r['map p95 ms']} ms`,
    goal: 'p95 ≤ 1 ms per turn',
    met: Number(r['map p95 ms']) <= 1,
  })),
  ...out.map((r) => ({
    benchmark: 'search',
    measure: `${r.backend}, ${r.products} products`,
    result: `p50 ${r['p50 ms']} ms, p95 ${r['p95 ms']} ms`,
    goal: r.backend === 'postgres' ? 'p95 ≤ 10 ms' : 'reported',
    ...(r.backend === 'postgres' ? { met: Number(r['p95 ms']) <= 10 } : {}),
  })),
  ...hybrids.map((r) => ({
    benchmark: 'hybrid search',
    measure: `${r.backend}, ${r.products} products × 256 dims: nearest 40 + their filtered read (one embedding call besides)`,
    result: `p95 ${r['hybrid own p95 ms']} ms; index ${r['index MB']} MB (rss +${r['index rss MB']} MB), built in ${r['index build s']} s`,
    goal: 'p95 ≤ 5 ms of its own',
    met: Number(r['hybrid own p95 ms']) <= 5,
  })),
]);
process.exit(0);
