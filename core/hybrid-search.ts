import type { Catalog, Product, SearchFilters, SearchResult, Semantic } from './ports.ts';

/** Semantic neighbours read per search, and the reciprocal-rank constant that fuses them with the lexical list. */
const SEMANTIC_K = 40;
const RRF_K = 60;

/**
 * Lexical and semantic results fused by reciprocal rank (each list adds 1 / (RRF_K + rank)): a
 * product both find ranks first. When every word matched, the lexical products are only
 * reordered; otherwise the nearest join them. The shopper's words are embedded once; products
 * under the similarity floor never join, so a thing the store does not sell still finds nothing.
 */
export async function fuseSemantic(
  catalog: Catalog,
  semantic: Semantic,
  text: string,
  lexical: SearchResult,
  filters: SearchFilters,
  opts: { languages: string[]; limit: number },
  fused: (counts: { lexical: number; semantic: number }) => void,
): Promise<SearchResult> {
  const near = (await semantic.nearest(text, SEMANTIC_K))?.filter((n) => n.score >= semantic.minSimilarity);
  if (!near?.length) return lexical;
  const found = await catalog.search([], { ...filters, ids: near.map((n) => n.id) }, { ...opts, limit: near.length });
  if (!found.products.length) return lexical;
  const score = new Map<string, number>();
  const byId = new Map<string, Product>();
  const add = (p: Product, rank: number) => {
    score.set(p.id, (score.get(p.id) ?? 0) + 1 / (RRF_K + rank));
    byId.set(p.id, p);
  };
  lexical.products.forEach(add);
  const rank = new Map(near.map((n, i) => [n.id, i]));
  for (const p of found.products) add(p, rank.get(p.id)!);
  // every word matched: meaning reorders those products and adds none (a bear's «побольше»
  // stays among bears); otherwise the nearest join them
  const pool = lexical.match === 'all' && lexical.products.length ? lexical.products : [...byId.values()];
  const products = [...pool].sort((a, b) => score.get(b.id)! - score.get(a.id)!).slice(0, opts.limit);
  fused({ lexical: lexical.products.length, semantic: found.products.length });
  return { ...lexical, products, match: lexical.products.length ? lexical.match : 'any' };
}
