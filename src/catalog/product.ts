import { z } from 'zod';
import { fromMinor, toMinor } from './money.ts';

const text = (max: number) => z.preprocess((v) => (v === null || v === undefined ? '' : String(v).trim()), z.string().max(max));
const optionalUrl = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().url().max(2000).optional());
const money = z.preprocess(
  (v) => (typeof v === 'string' ? v.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.') : v),
  z.coerce.number().finite().nonnegative().max(1e12),
);

/**
 * A product as files and the admin API give it: prices in currency units. Unknown columns
 * become free attributes, so a store's extra fields are kept rather than dropped.
 */
export const productInput = z
  .looseObject({
    id: z.preprocess((v) => (v === null || v === undefined ? v : String(v).trim()), z.string().min(1).max(200).regex(/^[^\s]+$/, 'id must not contain spaces')),
    name: text(300).pipe(z.string().min(1, 'name is required')),
    description: text(5000).optional(),
    category: text(100).optional(),
    brand: text(100).optional(),
    color: text(60).optional(),
    style: text(60).optional(),
    material: text(100).optional(),
    price: money,
    old_price: z.preprocess((v) => (v === '' || v === null ? undefined : v), money.optional()),
    currency: z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : String(v).trim().toUpperCase()), z.string().regex(/^[A-Z]{3}$/).optional()),
    stock: z.preprocess((v) => (v === '' || v === null || v === undefined ? 0 : v), z.coerce.number().int().min(0).max(1e9)),
    image_url: optionalUrl,
    url: optionalUrl,
    tags: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(/[,;|]/).map((s) => s.trim()).filter(Boolean) : (v ?? [])),
      z.array(z.string().max(60)).max(50),
    ),
    attributes: z.record(z.string(), z.unknown()).optional(),
  });

export type ProductInput = z.infer<typeof productInput>;

export interface ProductRow {
  id: string;
  name: string;
  description: string;
  category: string;
  brand: string;
  color: string;
  style: string;
  material: string;
  price: number;
  oldPrice: number | null;
  currency: string;
  stock: number;
  imageUrl: string | null;
  url: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
}

const KNOWN = new Set(['id', 'name', 'description', 'category', 'brand', 'color', 'style', 'material', 'price', 'old_price', 'currency', 'stock', 'image_url', 'url', 'tags', 'attributes']);

export function toRow(p: ProductInput, defaultCurrency: string): ProductRow {
  const currency = p.currency ?? defaultCurrency;
  const extra = Object.fromEntries(Object.entries(p).filter(([k, v]) => !KNOWN.has(k) && v !== '' && v !== undefined));
  return {
    id: p.id,
    name: p.name,
    description: p.description ?? '',
    category: p.category ?? '',
    brand: p.brand ?? '',
    color: (p.color ?? '').toLowerCase(),
    style: (p.style ?? '').toLowerCase(),
    material: p.material ?? '',
    price: toMinor(p.price, currency),
    oldPrice: p.old_price !== undefined ? toMinor(p.old_price, currency) : null,
    currency,
    stock: p.stock,
    imageUrl: p.image_url ?? null,
    url: p.url ?? null,
    tags: p.tags,
    attributes: { ...extra, ...(p.attributes ?? {}) },
  };
}

/** The row back in the input shape (currency units): what the admin API takes. */
export function toInput(r: ProductRow): Record<string, unknown> {
  return {
    id: r.id, name: r.name, description: r.description, category: r.category, brand: r.brand, color: r.color, style: r.style, material: r.material,
    price: fromMinor(r.price, r.currency), old_price: r.oldPrice === null ? undefined : fromMinor(r.oldPrice, r.currency), currency: r.currency, stock: r.stock,
    image_url: r.imageUrl ?? undefined, url: r.url ?? undefined, tags: r.tags, attributes: r.attributes,
  };
}

export type ValidationResult = { ok: true; row: ProductRow } | { ok: false; error: string };

export function validateProduct(raw: unknown, defaultCurrency: string): ValidationResult {
  const r = productInput.safeParse(raw);
  if (!r.success) return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ') };
  return { ok: true, row: toRow(r.data, defaultCurrency) };
}
