import type { Product } from './ports.ts';

/** A numeric size-like attribute the shown products share, with its range. */
export function sizeAttribute(products: Product[], keys: (k: string) => boolean): { key: string; min: number; max: number } | null {
  const counts = new Map<string, number[]>();
  for (const p of products)
    for (const [k, v] of Object.entries(p.attributes)) {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+([.,]\d+)?$/.test(v) ? Number(v.replace(',', '.')) : NaN;
      if (Number.isFinite(n) && keys(k)) counts.set(k, [...(counts.get(k) ?? []), n]);
    }
  const best = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  return best ? { key: best[0], min: Math.min(...best[1]), max: Math.max(...best[1]) } : null;
}
