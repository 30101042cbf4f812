import type { CatalogSource } from '../profile/store-profile.ts';
import type { LexiconData } from './lexicon.ts';

export type FilterField = 'color' | 'brand' | 'material' | 'style';

/**
 * How a store's own system is read, whatever its format (1C's CommerceML, a YML feed): which of
 * its property names are the fields search filters on, what its currency words mean, which 1C
 * price type is the retail price. Built from the shipped lexicon and store.yaml, never a list here.
 */
export interface SourceReading {
  /** A property or param name (any case) → the product field it fills, or null for a free attribute. */
  field(name: string): FilterField | null;
  /** A currency as the system writes it ("руб.", "RUR", "тг", "KZT") → ISO 4217, or null when unknown. */
  currency(word: string): string | null;
  /** The store's currency, for prices that name none. */
  defaultCurrency: string;
  /** store.yaml's choice among 1C's price types (name or Ид), or null. */
  priceType: string | null;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').replace(/\.$/, '');

export function sourceReading(lexicon: Pick<LexiconData, 'fields' | 'currencies'>, source: CatalogSource, defaultCurrency: string): SourceReading {
  const fields = new Map<string, FilterField>();
  for (const [field, names] of Object.entries(lexicon.fields) as Array<[FilterField, string[]]>) for (const n of [...names, ...(source.fields[field] ?? [])]) fields.set(norm(n), field);
  const currencies = new Map<string, string>();
  for (const [iso, words] of Object.entries(lexicon.currencies)) for (const w of [iso, ...words]) currencies.set(norm(w), iso);
  return {
    field: (name) => fields.get(norm(name)) ?? null,
    currency: (word) => {
      const w = norm(word);
      if (!w) return null;
      return currencies.get(w) ?? (/^[a-z]{3}$/.test(w) ? w.toUpperCase() : null);
    },
    defaultCurrency,
    priceType: source.priceType,
  };
}

/**
 * A category and the ones above it, nearest first, as a store's system files them (1C's
 * groups, YML's categories); a missing parent ends the walk, and so does a loop.
 */
export function categoryPath(id: string | null | undefined, lookup: (id: string) => { name: string; parentId: string | null } | undefined): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let at = id ?? null; at && !seen.has(at); ) {
    seen.add(at);
    const c = lookup(at);
    if (!c) break;
    path.push(c.name);
    at = c.parentId;
  }
  return path;
}

/** A number as 1C and feeds write it: "1 234,50", "377", "1.000" → 1234.5, 377, 1; null when it is not one. */
export function readNumber(s: string | null | undefined): number | null {
  if (s === null || s === undefined) return null;
  const t = s.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}
