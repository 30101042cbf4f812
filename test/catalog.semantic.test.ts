import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ProductEmbeddings } from '../src/catalog/embeddings.ts';
import { createOpenAI } from '../src/model/openai-chat.ts';
import { query, sql } from '../src/db/database.ts';
import { FakeOpenAI } from './fakes/openai.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const inputs = (m: FakeOpenAI) => m.embeddingRequests.flatMap((r) => (Array.isArray(r.input) ? r.input : [r.input]));
const products = [
  { id: 'T-1', name: 'Alpine Dome Tent 2P', category: 'Tents', brand: 'Alpine', color: 'green', price: 149, currency: 'USD', stock: 3 },
  { id: 'T-2', name: 'Summit Down Bag -5', category: 'Sleeping Bags', brand: 'Summit', price: 229, currency: 'USD', stock: 2 },
  { id: 'T-3', name: 'Trail Runner 5', category: 'Running Shoes', brand: 'Trail', price: 99, currency: 'USD', stock: 5 },
];

describe.each(backends())('semantic search with a model: embeddings in the database, an index in process ($name)', (backend) => {
  let h: Harness | undefined;
  let model: FakeOpenAI;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await model?.stop();
  });
  afterAll(() => backend.cleanup());

  const start = async (env: Record<string, string> = {}) => {
    model = await new FakeOpenAI().start();
    h = await startHarness({
      backend,
      env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url, EMBEDDING_MIN_SIMILARITY: '0.2', ...env },
    });
    const admin = (path: string, body: unknown) =>
      h!.app.request(`/admin/api${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await admin('/products?replace=true', { products })).status).toBe(200);
    await h.services.embeddings!.refresh();
    return admin;
  };

  it('every product is embedded once, in batches, with the model and dimensions asked; again only when its words change', async () => {
    const admin = await start();
    const calls = model.embeddingRequests;
    expect(calls.every((c) => c.model === 'text-embedding-3-small' && c.dimensions === 256 && c.encoding_format === 'float')).toBe(true);
    expect(
      inputs(model)
        .filter((t) => /Alpine Dome|Summit Down|Trail Runner/.test(t))
        .sort(),
    ).toEqual(['Alpine Dome Tent 2P · Tents · Alpine · green', 'Summit Down Bag -5 · Sleeping Bags · Summit', 'Trail Runner 5 · Running Shoes · Trail']);
    const [n] = await query<{ n: number }>(h!.services.database.db, sql`select count(*)::int as n from product_embeddings`);
    expect(n!.n).toBe(3);
    expect(h!.services.embeddings!.index.size).toBe(3);
    // a price and stock change is not a change of words
    model.embeddingRequests.length = 0;
    expect((await admin('/products', { products: [{ ...products[0], price: 139, stock: 1 }] })).status).toBe(200);
    await h!.services.embeddings!.refresh();
    expect(model.embeddingRequests).toEqual([]);
    // a new name is: that one product is embedded again
    expect((await admin('/products', { products: [{ ...products[0], name: 'Alpine Dome Tent 3P' }] })).status).toBe(200);
    // the import started a refresh in the background; this one runs after it and finds nothing more
    await h!.services.embeddings!.refresh();
    expect(inputs(model)).toEqual(['Alpine Dome Tent 3P · Tents · Alpine · green']);
    // another process reads them from the database without a call of its own
    model.embeddingRequests.length = 0;
    const other = new ProductEmbeddings({
      db: h!.services.database.db,
      openai: createOpenAI({ apiKey: 'sk-test', baseURL: model.url, timeoutMs: 2000 }),
      model: 'text-embedding-3-small',
      dimensions: 256,
      queryTimeoutMs: 1000,
      minSimilarity: 0.2,
      log: pino({ level: 'silent' }),
    });
    await other.reload();
    expect(other.index.size).toBe(3);
    expect(model.embeddingRequests).toEqual([]);
  });

  it('words the lexical search cannot read («dometent») find the product by meaning; a thing not sold still finds nothing', async () => {
    await start();
    model.push({ toolCalls: [{ name: 'search_products', args: { query: 'dometent' } }] }, { content: 'This one.' });
    await h!.post(textWebhook({ from: '15550001001', body: 'dometent' }));
    await h!.drain();
    const out = h!.services.sandbox!.history('15550001001').filter((e) => e.direction === 'out');
    expect(JSON.stringify(out.map((e) => e.message))).toContain('T-1');
    expect(JSON.stringify(out.map((e) => e.message))).not.toMatch(/T-2|T-3/);
    // the shopper's words were embedded once for this search
    expect(inputs(model).filter((t) => t === 'dometent')).toHaveLength(1);
    const near = await h!.services.embeddings!.nearest('квадрокоптер', 5);
    expect(near!.filter((n) => n.score >= 0.2)).toEqual([]);
  });

  it('an embeddings call that fails or hangs leaves search lexical: the shopper is answered', async () => {
    await start({ OPENAI_EMBEDDING_TIMEOUT_MS: '200' });
    model.pushEmbeddings({ status: 500, error: { message: 'The server had an error', type: 'server_error', code: null } }, { hang: true });
    expect(await h!.services.embeddings!.nearest('tent', 5)).toBeNull();
    expect(await h!.services.embeddings!.nearest('tent', 5)).toBeNull();
    model.push({ toolCalls: [{ name: 'search_products', args: { query: 'tent' } }] }, { content: 'Tents.' });
    model.pushEmbeddings({ status: 429, error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
    await h!.post(textWebhook({ from: '15550001002', body: 'tent' }));
    await h!.drain();
    const out = h!.services.sandbox!.history('15550001002').filter((e) => e.direction === 'out');
    expect(out.length).toBeGreaterThan(0);
    expect(JSON.stringify(out.map((e) => e.message))).toContain('T-1');
  });
});
