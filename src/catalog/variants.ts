import type { Tx } from '../db/database.ts';
import { getVariants, type Family, type Product } from './catalog-repo.ts';
import { keys } from './words.ts';

/**
 * Variants in the chat: a product sold in sizes and colours (1C's `товар#характеристика`, one
 * row each) is one row in a list and one card, whose words and caption offer the others. What
 * tells variants apart is read from the variants themselves: colour, and each attribute whose
 * values differ between them — not from a list of names, since every store calls its size
 * something else («Размер (Брюки)», «Рост», «Объём»).
 */

/** A value that is a code (a barcode, an article number per variant) tells nothing a shopper chooses by. */
const CODE = /^\d{8,}$|^[\p{Lu}\d-]{10,}$/u;
const MAX_VALUE = 24;

const valueIn = (p: Product, key: string): string => {
  if (key === 'color') return p.color;
  const v = p.attributes[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
};

/** The attributes and colour that differ between the variants, values in a shopper's order (sizes small to large). */
export function axesOf(variants: Product[]): Family['axes'] {
  const names = [...new Set(variants.flatMap((v) => Object.keys(v.attributes))), 'color'];
  const axes: Family['axes'] = [];
  for (const key of names) {
    const values = [...new Set(variants.map((v) => valueIn(v, key)).filter(Boolean))];
    if (values.length < 2 || values.some((v) => v.length > MAX_VALUE || CODE.test(v))) continue;
    const numeric = values.every((v) => /^\d+([.,]\d+)?$/.test(v));
    axes.push({ key, values: numeric ? values.sort((a, b) => Number(a.replace(',', '.')) - Number(b.replace(',', '.'))) : values });
  }
  return axes;
}

/**
 * One product per family, in the order found: the first variant found stands for its family
 * (the one the words matched best), with the family attached; at most `limit` of them.
 * `lookup: false` (a catalog with no variants) keeps the order and the limit, and reads nothing.
 */
export async function withFamilies(db: Tx, products: Product[], limit: number, opts: { lookup: boolean }): Promise<Product[]> {
  const seen = new Set<string>();
  const kept: Product[] = [];
  for (const p of products) {
    const k = p.parentId ?? p.id;
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(p);
    if (kept.length >= limit) break;
  }
  if (!opts.lookup) return kept;
  const families = await getVariants(
    db,
    kept.map((p) => p.parentId ?? p.id),
  );
  return kept.map((p) => {
    const id = p.parentId ?? p.id;
    const f = families.get(id);
    return f && f.variants.length > 1 ? { ...p, family: { id, name: f.name, variants: f.variants, axes: axesOf(f.variants) } } : p;
  });
}

/** What tells this variant apart, in its family's words: "52, серый". */
export function variantLabel(p: Product, family: Family): string {
  return family.axes
    .map((a) => valueIn(p, a.key))
    .filter(Boolean)
    .join(', ');
}

const contains = (text: string[], part: string[]) => part.length > 0 && text.some((_, i) => part.every((k, j) => text[i + j] === k));

/**
 * The variant the words ask for («52 размер», «в синем», "the XL in black"): every value the
 * words name is the variant's own, and the one naming most wins (in stock and cheaper first on
 * a tie). `colors` are catalog colours the vocabulary read from the words (black → чёрный).
 * null when the words name none of the family's values.
 */
export function pickVariant(family: Family, text: string, colors: string[] = []): Product | null {
  const said = keys(text);
  const named = (key: string, value: string) => contains(said, keys(value)) || (key === 'color' && colors.includes(value.toLowerCase()));
  const asked = family.axes.map((a) => ({ key: a.key, values: a.values.filter((v) => named(a.key, v)) })).filter((a) => a.values.length);
  if (!asked.length) return null;
  let best: { p: Product; score: number } | null = null;
  for (const v of family.variants) {
    const score = asked.filter((a) => a.values.includes(valueIn(v, a.key))).length;
    if (score > (best?.score ?? 0)) best = { p: v, score };
  }
  return best?.p ?? null;
}
