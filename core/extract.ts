import type { Reading, Vocabulary } from './vocabulary.ts';

/**
 * A shopper's words read against the store's vocabulary: filters on the catalog's own values,
 * budget, follow-ups and what is left to search for (see Vocabulary.read). `category`, `color`
 * and `style` are the first value of each, for preferences and the eval.
 */
export interface Extracted extends Reading {
  category: string | null;
  color: string | null;
  style: string | null;
}

export function extract(text: string, vocabulary: Vocabulary): Extracted {
  const r = vocabulary.read(text);
  return { ...r, category: r.filters.category?.[0] ?? null, color: r.filters.color?.[0] ?? null, style: r.filters.style?.[0] ?? null };
}
