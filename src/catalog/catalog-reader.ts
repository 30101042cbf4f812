import type { Db } from '../db/database.ts';
import { getProducts, searchConfigs, type Product } from './catalog-repo.ts';
import { searchProducts, type SearchFilters, type SearchResult } from './catalog-search.ts';
import { withFamilies } from './variants.ts';

/**
 * The catalog port (core/ports.ts `Catalog`) over the database: full-text search, products by
 * id, families. Implemented by shape; src imports nothing from core. `hasVariants` (the
 * vocabulary's count, refreshed after every catalog write and followed across processes)
 * spares a store without variants the family lookup on every search.
 */
export function catalogReader(db: Db, opts: { hasVariants: () => boolean }) {
  return {
    search: (words: string[][], filters: SearchFilters, opts: { languages: string[]; limit: number }): Promise<SearchResult> =>
      searchProducts(db, words, filters, { configs: searchConfigs(opts.languages), limit: opts.limit }),
    get: (ids: string[], opts?: { activeOnly?: boolean }): Promise<Product[]> => getProducts(db, ids, opts),
    families: (products: Product[], limit?: number): Promise<Product[]> => withFamilies(db, products, limit ?? products.length, { lookup: opts.hasVariants() }),
  };
}
