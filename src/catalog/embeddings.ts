import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { query, sql, type Tx } from '../db/database.ts';
import { BackgroundFailures } from '../background.ts';
import type { Logger } from '../log.ts';
import { VectorIndex } from './vector-index.ts';

/** Inputs per embeddings request (the API takes up to 2,048). */
const BATCH = 256;
/** Characters of a description that go into a product's words. */
const DESCRIPTION = 300;

interface EmbeddingsOptions {
  db: Tx;
  openai: OpenAI;
  model: string;
  dimensions: number;
  /** How long a shopper's words may take to embed before the search goes lexical alone. */
  queryTimeoutMs: number;
  /** Products at least this near (cosine) to the shopper's words join the lexical results. */
  minSimilarity: number;
  log: Logger;
}

/** The words of a product that are embedded: what it is, not its price or stock. */
export function productWords(p: {
  name: string;
  category: string;
  brand: string;
  color: string;
  style: string;
  material: string;
  tags: string[];
  description: string;
}): string {
  return [p.name, p.category, p.brand, p.color, p.style, p.material, p.tags.join(' '), p.description.slice(0, DESCRIPTION)]
    .map((x) => x.trim())
    .filter(Boolean)
    .join(' · ');
}

const unit = (v: ArrayLike<number>, d: number): Float32Array => {
  const out = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) n += (v[i] ?? 0) * (v[i] ?? 0);
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < d; i++) out[i] = (v[i] ?? 0) * s;
  return out;
};

/**
 * Semantic search's half of the catalog, with a model (core/ports.ts `Semantic`, by shape): every active product's embedding, kept in
 * `product_embeddings` and recomputed only when its words (or the model, or the dimensions)
 * change; an in-process index over them, reloaded when any process wrote new ones; the
 * shopper's words embedded once per search. Any failure — the API down, slow, over quota —
 * leaves search lexical: `nearest` answers null and a refresh is tried again later.
 */
export class ProductEmbeddings {
  readonly index: VectorIndex;
  readonly minSimilarity: number;
  private version = '';
  private running: Promise<unknown> = Promise.resolve();
  private waiting: Promise<{ embedded: number }> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly failures: BackgroundFailures;

  constructor(private readonly o: EmbeddingsOptions) {
    this.index = new VectorIndex(o.dimensions);
    this.minSimilarity = o.minSimilarity;
    this.failures = new BackgroundFailures(o.log);
  }

  /** A refresh in the background: a failure is logged once per outage and tried again on the next call. */
  refreshLater(): void {
    void this.failures.tick('product embeddings', () => this.refresh().then(() => undefined));
  }

  /** Follows other processes' embeddings (their imports) every pollMs. */
  watch(pollMs: number): void {
    this.timer = setInterval(() => void this.failures.tick('product embeddings reload', () => this.reload()), pollMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private hash(words: string): string {
    return createHash('sha256').update(`${this.o.model}\n${this.o.dimensions}\n${words}`).digest('base64url').slice(0, 22);
  }

  private async embed(input: string[], timeoutMs?: number): Promise<Float32Array[]> {
    const res = await this.o.openai.embeddings.create(
      { model: this.o.model, input, dimensions: this.o.dimensions, encoding_format: 'float' },
      timeoutMs ? { timeout: timeoutMs } : undefined,
    );
    const out: Float32Array[] = new Array(input.length);
    for (const d of res.data) out[d.index] = unit(d.embedding, this.o.dimensions);
    if (out.some((v) => !v)) throw new Error(`embeddings: ${res.data.length} vectors for ${input.length} inputs`);
    return out;
  }

  /**
   * Embeds the products whose words changed since their embedding (all of them the first time),
   * then reloads the index. One run at a time; a call while one runs is served by the next run,
   * which starts after it and so sees every change made before the call.
   */
  refresh(): Promise<{ embedded: number }> {
    if (this.waiting) return this.waiting;
    const run = this.running.then(() => {
      this.waiting = null;
      return this.refreshNow();
    });
    this.waiting = run;
    this.running = run.catch(() => undefined);
    return run;
  }

  private async refreshNow(): Promise<{ embedded: number }> {
    const { db } = this.o;
    const rows = await query<{
      id: string;
      name: string;
      category: string;
      brand: string;
      color: string;
      style: string;
      material: string;
      tags: string[];
      description: string;
      words_hash: string | null;
    }>(
      db,
      sql`select p.id, p.name, p.category, p.brand, p.color, p.style, p.material, p.tags, p.description, e.words_hash
        from products p left join product_embeddings e on e.product_id = p.id where p.active order by p.id`,
    );
    const stale = rows
      .map((r) => ({ id: r.id, words: productWords(r), had: r.words_hash }))
      .map((r) => ({ ...r, hash: this.hash(r.words) }))
      .filter((r) => r.hash !== r.had);
    for (let i = 0; i < stale.length; i += BATCH) {
      const batch = stale.slice(i, i + BATCH);
      const vectors = await this.embed(batch.map((r) => r.words));
      const values = batch.map((r, j) => sql`(${r.id}, ${r.hash}, ${Buffer.from(vectors[j]!.buffer)}, now())`);
      await db.execute(sql`insert into product_embeddings (product_id, words_hash, vector, updated_at) values ${sql.join(values, sql`, `)}
        on conflict (product_id) do update set words_hash = excluded.words_hash, vector = excluded.vector, updated_at = excluded.updated_at`);
    }
    // products deleted from the catalog take their embeddings with them
    await db.execute(sql`delete from product_embeddings e where not exists (select 1 from products p where p.id = e.product_id)`);
    if (stale.length) this.o.log.info({ embedded: stale.length, model: this.o.model }, 'product embeddings computed');
    await this.reload();
    return { embedded: stale.length };
  }

  /** Reads every active product's embedding into the index when another process (or a refresh) changed them. */
  async reload(): Promise<void> {
    const [v] = await query<{ v: string }>(this.o.db, sql`select count(*) || ':' || coalesce(max(updated_at)::text, '') as v from product_embeddings`);
    if (v!.v === this.version) return;
    const rows = await query<{ id: string; vector: Buffer | Uint8Array }>(
      this.o.db,
      sql`select e.product_id as id, e.vector from product_embeddings e join products p on p.id = e.product_id where p.active order by e.product_id`,
    );
    const d = this.o.dimensions;
    const matrix = new Float32Array(rows.length * d);
    const ids: string[] = [];
    for (const r of rows) {
      const bytes = r.vector instanceof Uint8Array ? r.vector : Buffer.from(r.vector);
      if (bytes.byteLength !== d * 4) continue;
      matrix.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), ids.length * d);
      ids.push(r.id);
    }
    await this.index.load(ids, matrix.subarray(0, ids.length * d));
    this.version = v!.v;
  }

  /** The products nearest to the shopper's words, with their similarity; null when the words could not be embedded in time. */
  async nearest(text: string, k: number): Promise<Array<{ id: string; score: number }> | null> {
    if (!this.index.size || !text.trim()) return null;
    try {
      const [q] = await this.embed([text.trim()], this.o.queryTimeoutMs);
      return this.index.nearest(q!, k);
    } catch (err) {
      this.o.log.warn({ err: String(err).slice(0, 200) }, 'query not embedded: lexical search alone');
      return null;
    }
  }
}
