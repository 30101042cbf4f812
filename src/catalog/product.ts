import { z } from 'zod';
import { fromMinor, toMinor } from './money.ts';
import type { SourceReading } from './source-reading.ts';

/**
 * Stock written for a product whose source does not count it (a YML offer marked available
 * without `<count>`, a file without a stock column): "in stock" up to this many orders until
 * the next import says otherwise.
 */
export const UNCOUNTED_STOCK = 100;

/** What a catalog row's currency is read against: the source's words, and the store's currency for rows that name none. */
export type CurrencyReading = Pick<SourceReading, 'currency' | 'defaultCurrency'>;

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const shown = (v: unknown) => `«${String(v).trim().slice(0, 40)}»`;
const text = (field: string, max: number) =>
  z.preprocess((v) => (v === null || v === undefined ? '' : String(v).trim()), z.string().max(max, `${field} is longer than ${max} characters`));
const optionalUrl = (field: string) =>
  z.preprocess(
    (v) => (blank(v) ? undefined : String(v).trim()),
    z.string().url(`${field} is not a link`).max(2000, `${field} is longer than 2000 characters`).optional(),
  );

/** An amount as people write it ("149 990", "1 234,50"): a clear word for what is wrong, never NaN. */
const amount = (field: string) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (blank(v)) {
        ctx.addIssue({ code: 'custom', message: `${field} is empty` });
        return z.NEVER;
      }
      const n =
        typeof v === 'number'
          ? v
          : Number(
              String(v)
                .replace(/[\s\u00a0\u202f]/g, '')
                .replace(',', '.'),
            );
      if (typeof v === 'boolean' || !Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: `${field} is not a number (${shown(v)})` });
      else if (n < 0) ctx.addIssue({ code: 'custom', message: `${field} is below zero (${shown(v)})` });
      else if (n > 1e12) ctx.addIssue({ code: 'custom', message: `${field} is too large (${shown(v)})` });
      else return n;
      return z.NEVER;
    });

/**
 * A product as files and the admin API give it: prices in currency units. Unknown columns
 * become free attributes, so a store's extra fields are kept rather than dropped. A row with no
 * stock at all (no column) is not counted, so it is available; an empty stock cell is none.
 */
export const productInput = z.looseObject({
  id: z.preprocess(
    (v) => (blank(v) ? '' : String(v).trim()),
    z
      .string()
      .min(1, 'id is empty')
      .max(200, 'id is longer than 200 characters')
      .regex(/^[^\s]+$/, 'id must not contain spaces'),
  ),
  name: text('name', 300).pipe(z.string().min(1, 'name is empty')),
  description: text('description', 5000).optional(),
  category: text('category', 100).optional(),
  brand: text('brand', 100).optional(),
  color: text('color', 60).optional(),
  style: text('style', 60).optional(),
  material: text('material', 100).optional(),
  /** The product this row is a variant of (a size or colour of it): a YML offer's group_id, a file's parent_id column. */
  parent_id: z.preprocess((v) => (blank(v) ? undefined : String(v).trim()), z.string().max(200, 'parent_id is longer than 200 characters').optional()),
  price: amount('price'),
  old_price: z.preprocess((v) => (blank(v) ? undefined : v), amount('old_price').optional()),
  currency: z.preprocess((v) => (blank(v) ? undefined : String(v).trim()), z.string().max(20, 'currency is longer than 20 characters').optional()),
  stock: z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return UNCOUNTED_STOCK;
      if (blank(v)) return 0;
      const n = Number(String(v).replace(/[\s\u00a0\u202f]/g, ''));
      if (Number.isInteger(n) && n >= 0 && n <= 1e9) return n;
      ctx.addIssue({ code: 'custom', message: `stock is not a whole number of pieces (${shown(v)})` });
      return z.NEVER;
    }),
  image_url: optionalUrl('image_url'),
  url: optionalUrl('url'),
  tags: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(/[,;|]/)
            .map((x) => x.trim())
            .filter(Boolean)
        : (v ?? []),
    z.array(z.string().max(60, 'a tag is longer than 60 characters'), 'tags are not a list').max(50, 'more than 50 tags'),
  ),
  attributes: z.record(z.string(), z.unknown(), 'attributes are not an object').optional(),
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
  /** The product this is a variant of; null or absent for a product of its own. */
  parentId?: string | null;
}

const KNOWN = new Set([
  'id',
  'name',
  'description',
  'category',
  'brand',
  'color',
  'style',
  'material',
  'price',
  'old_price',
  'currency',
  'stock',
  'image_url',
  'url',
  'tags',
  'attributes',
  'parent_id',
]);

export function toRow(p: ProductInput, currency: string): ProductRow {
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
    parentId: p.parent_id && p.parent_id !== p.id ? p.parent_id : null,
  };
}

/** The row back in the input shape (currency units): what the admin API takes. */
export function toInput(r: ProductRow): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    category: r.category,
    brand: r.brand,
    color: r.color,
    style: r.style,
    material: r.material,
    price: fromMinor(r.price, r.currency),
    old_price: r.oldPrice === null ? undefined : fromMinor(r.oldPrice, r.currency),
    currency: r.currency,
    stock: r.stock,
    image_url: r.imageUrl ?? undefined,
    url: r.url ?? undefined,
    tags: r.tags,
    attributes: r.attributes,
    parent_id: r.parentId ?? undefined,
  };
}

export type ValidationResult = { ok: true; row: ProductRow } | { ok: false; error: string };

/** One row checked, in words a merchandiser reads ("price is empty; stock is not a whole number of pieces («много»)"). */
export function validateProduct(raw: unknown, reading: CurrencyReading): ValidationResult {
  const r = productInput.safeParse(raw);
  if (!r.success)
    return {
      ok: false,
      error: r.error.issues
        .map((i) => (i.code === 'custom' || i.path.length === 0 || i.message.startsWith(String(i.path[0])) ? i.message : `${i.path.join('.')}: ${i.message}`))
        .join('; '),
    };
  const currency = r.data.currency === undefined ? reading.defaultCurrency : reading.currency(r.data.currency);
  if (!currency) return { ok: false, error: `currency ${shown(r.data.currency)} is not one Vitrina knows (write an ISO 4217 code: KZT, RUB, UAH…)` };
  return { ok: true, row: toRow(r.data, currency) };
}
