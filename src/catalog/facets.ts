import { watch, type FSWatcher } from 'node:fs';
import { query, sql, type Tx } from '../db/database.ts';
import { BackgroundFailures } from '../background.ts';
import type { Logger } from '../log.ts';
import { LEXICON_FILE, loadLexicon, loadSynonyms, type LexiconData } from './lexicon.ts';
import { FIELDS, emptyFacets, type Facets, type Field } from './fields.ts';
import { normalize, tokens } from './words.ts';

/** Attribute values longer than this are descriptions, not values a shopper names. */
const MAX_VALUE = 60;
const PER_ATTRIBUTE = 50;
const LATIN_WORDS = 20_000;

/** What the catalog holds (active products only), with counts: one grouped scan per column. */
export async function readFacets(db: Tx, lexicon?: LexiconData): Promise<Facets> {
  const facets = emptyFacets();
  const rows = await query<{ f: string; v: string; n: number }>(
    db,
    sql`select f, v, count(*)::int as n from products p,
      lateral (values ('category', p.category), ('brand', p.brand), ('color', p.color), ('style', p.style), ('material', p.material)) as x(f, v)
    where p.active and v <> '' group by f, v order by n desc, v`,
  );
  for (const r of rows) facets.fields[r.f as Field].push({ value: r.v, count: Number(r.n) });
  const attrs = await query<{ k: string; v: string; n: number }>(
    db,
    sql`select k, v, n from (select a.key as k, a.value as v, count(*)::int as n, row_number() over (partition by a.key order by count(*) desc, a.value) as rn
      from products p, jsonb_each_text(p.attributes) a where p.active and length(a.value) between 1 and ${MAX_VALUE} group by a.key, a.value) t
    where rn <= ${PER_ATTRIBUTE} order by k, n desc`,
  );
  const byKey = new Map<string, Facets['attributes'][number]>();
  for (const r of attrs) {
    let a = byKey.get(r.k);
    if (!a) byKey.set(r.k, (a = { key: r.k, values: [] }));
    a.values.push({ value: r.v, count: Number(r.n) });
  }
  facets.attributes = [...byKey.values()];
  facets.tags = (
    await query<{ v: string; n: number }>(
      db,
      sql`select t as v, count(*)::int as n from products p, unnest(p.tags) t where p.active group by t order by n desc, t limit 500`,
    )
  ).map((r) => ({ value: r.v, count: Number(r.n) }));
  const currencies = await query<{ currency: string; n: number; variants: number }>(
    db,
    sql`select currency, count(*)::int as n, count(parent_id)::int as variants from products where active group by currency order by n desc, currency`,
  );
  facets.variants = currencies.reduce((sum, r) => sum + Number(r.variants), 0);
  facets.products = currencies.reduce((sum, r) => sum + Number(r.n), 0);
  facets.currency = currencies[0]?.currency ?? null;
  // catalog_terms holds the words of every product's name, category, brand and fields
  const probe = lexicon ? lexiconWords(lexicon) : [];
  // model words in Latin («вотч» finds "watch"): the catalog's own, at most LATIN_WORDS of them
  facets.latinWords = (
    await query<{ term: string }>(db, sql`select term from catalog_terms where term ~ '^[a-z][a-z0-9]*[a-z]$' order by term limit ${LATIN_WORDS}`)
  ).map((r) => r.term);
  if (probe.length)
    facets.productWords = (
      await query<{ term: string }>(db, sql`select term from catalog_terms where term in (select jsonb_array_elements_text(${JSON.stringify(probe)}::jsonb))`)
    ).map((r) => r.term);
  return facets;
}

/** Facets of products held in memory (samples, the eval): the same shape readFacets gives. */
export function facetsOf(
  products: Array<Partial<Record<Field, string>> & { name?: string; attributes?: Record<string, unknown>; tags?: string[]; currency?: string }>,
  lexicon?: LexiconData,
): Facets {
  const facets = emptyFacets();
  const count = (list: Facets['tags'], v: string) => {
    const c = list.find((x) => x.value === v);
    if (c) c.count++;
    else list.push({ value: v, count: 1 });
  };
  for (const p of products) {
    for (const f of FIELDS) if (p[f]) count(facets.fields[f], p[f]!);
    for (const t of p.tags ?? []) count(facets.tags, t);
    for (const [k, v] of Object.entries(p.attributes ?? {})) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      let a = facets.attributes.find((x) => x.key === k);
      if (!a) facets.attributes.push((a = { key: k, values: [] }));
      count(a.values, String(v));
    }
  }
  const sort = (l: Facets['tags']) => l.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  for (const f of FIELDS) sort(facets.fields[f]);
  sort(facets.tags);
  for (const a of facets.attributes) sort(a.values);
  facets.products = products.length;
  const currencies = new Map<string, number>();
  for (const p of products) if (p.currency) currencies.set(p.currency, (currencies.get(p.currency) ?? 0) + 1);
  facets.currency = [...currencies.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  facets.latinWords = [...new Set(products.flatMap((p) => tokens(p.name ?? '').filter((w) => /^[a-z][a-z0-9]*[a-z]$/.test(w) && w.length >= 3)))];
  if (lexicon) {
    const written = new Set(products.flatMap((p) => tokens(`${p.name ?? ''} ${p.category ?? ''} ${p.brand ?? ''}`)));
    facets.productWords = lexiconWords(lexicon).filter((w) => written.has(w));
  }
  return facets;
}

/** The one-word colours and materials of the lexicon, as catalog words are written (lowercase). */
const lexiconWords = (lexicon: LexiconData) => [
  ...new Set(
    [...Object.values(lexicon.colors), ...Object.values(lexicon.materials)]
      .flat()
      .map(normalize)
      .filter((w) => !/\s/.test(w)),
  ),
];

/** Builds the vocabulary the assistant reads words with (core/vocabulary.ts), from the catalog's facets, the lexicon and the store's synonyms. */
export type MakeVocabulary<V> = (facets: Facets, lexicon: LexiconData, synonyms: Record<string, string[]>) => V;

/**
 * The store's current vocabulary: built at start-up, rebuilt after every import or catalog
 * change (`refresh`), and when lexicon.yaml or synonyms.yaml change on disk. Another process's
 * import is seen within `pollMs` through the catalog's version (count, last change). What it
 * builds is core's (`make`, given where services are built): this keeps the files and the facets.
 */
export class Vocabularies<V> {
  private vocabulary: V;
  private facets: Facets = emptyFacets();
  /** The shipped lexicon as last read (re-read when lexicon.yaml changes). */
  lexicon: LexiconData;
  private synonyms: Record<string, string[]>;
  private version = '';
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly failures: BackgroundFailures;

  constructor(
    private readonly opts: { db: Tx; log: Logger; make: MakeVocabulary<V>; synonymsFile: URL | string; lexiconFile?: URL | string; pollMs?: number },
  ) {
    this.lexicon = loadLexicon(opts.lexiconFile ?? LEXICON_FILE);
    this.synonyms = loadSynonyms(opts.synonymsFile);
    this.vocabulary = this.opts.make(this.facets, this.lexicon, this.synonyms);
    this.failures = new BackgroundFailures(opts.log);
  }

  current(): V {
    return this.vocabulary;
  }

  /** Re-reads the catalog's facets; cheap to call after every import. */
  async refresh(): Promise<V> {
    this.version = await this.catalogVersion();
    this.facets = await readFacets(this.opts.db, this.lexicon);
    this.vocabulary = this.opts.make(this.facets, this.lexicon, this.synonyms);
    this.opts.log.debug({ products: this.facets.products }, 'vocabulary rebuilt');
    return this.vocabulary;
  }

  private async catalogVersion(): Promise<string> {
    const [r] = await query<{ v: string }>(this.opts.db, sql`select count(*) || ':' || coalesce(max(updated_at)::text, '') as v from products`);
    return r!.v;
  }

  /** Follows the files and other processes' imports. */
  watch(): void {
    const reload = () => {
      try {
        this.lexicon = loadLexicon(this.opts.lexiconFile ?? LEXICON_FILE);
        this.synonyms = loadSynonyms(this.opts.synonymsFile);
        this.vocabulary = this.opts.make(this.facets, this.lexicon, this.synonyms);
        this.opts.log.info('vocabulary reloaded');
      } catch (err) {
        this.opts.log.error({ err: (err as Error).message }, 'vocabulary not reloaded: keeping the last good words');
      }
    };
    for (const f of [this.opts.lexiconFile ?? LEXICON_FILE, this.opts.synonymsFile]) {
      try {
        const w = watch(f, () => reload());
        w.unref();
        this.watchers.push(w);
      } catch {
        // no synonyms file yet: nothing to follow
      }
    }
    this.timer = setInterval(() => {
      void this.failures.tick('vocabulary refresh', async () => {
        if ((await this.catalogVersion()) !== this.version) await this.refresh();
      });
    }, this.opts.pollMs ?? 30_000);
    this.timer.unref();
  }

  close(): void {
    for (const w of this.watchers) w.close();
    if (this.timer) clearInterval(this.timer);
  }
}
