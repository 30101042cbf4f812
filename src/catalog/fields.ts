/**
 * The catalog's filter fields, named once (search filters, the vocabulary, facets, the tools'
 * schemas all take them from here), and the facets: what the catalog holds of each, counted.
 */

/** The catalog columns a shopper's words can filter on. */
export type Field = 'category' | 'brand' | 'color' | 'style' | 'material';
export const FIELDS: Field[] = ['category', 'brand', 'color', 'style', 'material'];

export interface Counted {
  value: string;
  count: number;
}

/** What the catalog holds, with counts: computed at import and start-up (facets.ts). */
export interface Facets {
  products: number;
  /** Active products that are a variant in a family (parent_id set): with none, search results need no family lookup. */
  variants: number;
  fields: Record<Field, Counted[]>;
  attributes: Array<{ key: string; values: Counted[] }>;
  tags: Counted[];
  /** The currency most products are priced in (ISO 4217): budgets and labels speak it. null with no products. */
  currency: string | null;
  /** Words of the lexicon's colours and materials that this catalog also writes in its names, categories or brands («крем» in a beauty shop). */
  productWords: string[];
  /** Latin words of the catalog's names (model words: "watch", "sonicare"), for shoppers who write them in Cyrillic. */
  latinWords: string[];
}

export const emptyFacets = (): Facets => ({
  products: 0,
  variants: 0,
  fields: { category: [], brand: [], color: [], style: [], material: [] },
  attributes: [],
  tags: [],
  currency: null,
  productWords: [],
  latinWords: [],
});
