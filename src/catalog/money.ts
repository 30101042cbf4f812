import { MINOR } from './product.ts';

const SYMBOL: Record<string, string> = { KZT: '₸', RUB: '₽', USD: '$', EUR: '€', UZS: 'сўм', KGS: 'сом' };

/** 14999000 minor KZT → "149 990 ₸" (spaces between thousands; kopecks only when there are any). */
export function formatPrice(minor: number, currency: string): string {
  const units = minor / MINOR;
  const whole = Math.trunc(units);
  const frac = Math.round((units - whole) * MINOR);
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const amount = frac ? `${grouped},${String(frac).padStart(2, '0')}` : grouped;
  const sym = SYMBOL[currency] ?? currency;
  return sym === '$' || sym === '€' ? `${sym}${amount}` : `${amount} ${sym}`;
}
