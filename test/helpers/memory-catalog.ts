import type { Catalog, Product, SearchFilters, SearchResult } from '../../core/ports.ts';
import { MAX_FETCH } from '../../src/catalog/catalog-search.ts';
import { facetsOf } from '../../src/catalog/facets.ts';
import type { LexiconData } from '../../src/catalog/lexicon.ts';
import { productInput, toRow } from '../../src/catalog/product.ts';
import { Vocabulary } from '../../core/vocabulary.ts';
import { keys } from '../../src/catalog/words.ts';

/**
 * The catalog port in memory, for the assistant's decisions without a database. It keeps the
 * port's contract in its simplest form: a word matches a product when its stems are among the
 * product's (name and its hyphenated words' parts, category, brand, colour, tags, attribute values); every word ('all'), else
 * any word ('any'), else the filters alone, in stock and cheapest first. No typo correction,
 * no variants: what the database adapter adds is tested against Postgres and PGlite.
 */
export function memoryCatalog(rows: Array<Record<string, unknown>>, currency = 'KZT'): { catalog: Catalog; products: Product[] } {
  const products: Product[] = rows.map((r, i) => ({ ...toRow(productInput.parse({ id: `p${i + 1}`, stock: 5, ...r }), currency) }));
  const stems = new Map(
    products.map((p) => [
      p.id,
      new Set(
        keys(
          [p.name, p.name.replace(/-/g, ' '), p.category, p.brand, p.color, p.style, p.material, ...p.tags, ...Object.values(p.attributes).map(String)]
            .filter(Boolean)
            .join(' '),
        ),
      ),
    ]),
  );
  const has = (p: Product, alts: string[]) => alts.some((a) => keys(a).every((k) => stems.get(p.id)!.has(k)));
  const passes = (p: Product, f: SearchFilters) =>
    (['category', 'brand', 'color', 'style', 'material'] as const).every(
      (field) => !f[field]?.length || f[field]!.some((v) => v.toLowerCase() === (p[field] ?? '').toLowerCase()),
    ) &&
    (f.minPrice == null || p.price >= f.minPrice) &&
    (f.maxPrice == null || p.price <= f.maxPrice) &&
    (!f.inStock || p.stock > 0) &&
    !f.excludeIds?.includes(p.id) &&
    (!f.ids || f.ids.includes(p.id));
  const cheapest = (a: Product, b: Product) => Number(b.stock > 0) - Number(a.stock > 0) || a.price - b.price || a.id.localeCompare(b.id);
  const catalog: Catalog = {
    async search(words, filters, opts): Promise<SearchResult> {
      const limit = Math.min(opts.limit, MAX_FETCH);
      const pool = products.filter((p) => passes(p, filters));
      const ws = words.filter((a) => a.length);
      if (!ws.length) {
        const found = pool.sort(cheapest).slice(0, limit);
        return { products: found, didYouMean: null, match: found.length ? 'filters' : 'none' };
      }
      const all = pool.filter((p) => ws.every((a) => has(p, a))).sort(cheapest);
      if (all.length) return { products: all.slice(0, limit), didYouMean: null, match: 'all' };
      if (ws.length === 1) return { products: [], didYouMean: null, match: 'none' };
      const hits = (p: Product) => ws.filter((a) => has(p, a)).length;
      const any = pool.filter((p) => hits(p) > 0).sort((a, b) => hits(b) - hits(a) || cheapest(a, b));
      return { products: any.slice(0, limit), didYouMean: null, match: any.length ? 'any' : 'none' };
    },
    async get(ids) {
      return products.filter((p) => ids.includes(p.id));
    },
    async families(list, limit = list.length) {
      return list.slice(0, limit);
    },
  };
  return { catalog, products };
}

/** The vocabulary of the same rows, as the platform builds it from the catalog's facets. */
export function memoryVocabulary(rows: Array<Record<string, unknown>>, lexicon: LexiconData, synonyms: Record<string, string[]> = {}): Vocabulary {
  return new Vocabulary(facetsOf(rows as never, lexicon), lexicon, synonyms);
}
