import { LOCALE, type Lang } from '../lang.ts';

const digitsCache = new Map<string, number>();

/** Minor units per currency unit, from the currency itself (ISO 4217 exponent: KZT 100, JPY 1, KWD 1000). */
export function minorUnits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return 10 ** d;
}

export const toMinor = (units: number, currency: string) => Math.round(units * minorUnits(currency));

/** An amount as machines write it, with the currency's own decimals: "149990.00" (KZT), "5000" (JPY). */
export const plainAmount = (minor: number, currency: string) => (minor / minorUnits(currency)).toFixed(Math.round(Math.log10(minorUnits(currency))));
export const fromMinor = (minor: number, currency: string) => minor / minorUnits(currency);

const formats = new Map<string, Intl.NumberFormat>();
const NBSP = '\u00a0';

/**
 * A price for a shopper: Intl in their language with the currency's narrow symbol; fractions
 * only when there are any ("149 990 ₸", "$34.99", "34,99 $"). Every space in it is a no-break
 * space (ICU writes U+00A0 or U+202F by locale and version; fonts and chats treat U+00A0 best),
 * so a price never wraps inside itself.
 */
export function formatPrice(minor: number, currency: string, lang: Lang = 'ru'): string {
  const units = fromMinor(minor, currency);
  const whole = Number.isInteger(units);
  const k = `${lang}:${currency}:${whole}`;
  let f = formats.get(k);
  if (!f) {
    try {
      f = new Intl.NumberFormat(LOCALE[lang], {
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
        ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
      });
    } catch {
      f = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 2 });
    }
    formats.set(k, f);
  }
  return f.format(units).replace(/\s/g, NBSP);
}
