import { normalize, type LexiconData } from './ports.ts';

/** A budget in currency units, and the words that said it (taken out of the search). */
export interface Budget {
  max: number | null;
  min: number | null;
  spans: string[];
}

/** Numbers as shoppers write them: "300 000", "34.99", "1,5", "300к". */
const NUMBER = String.raw`(\d{1,3}(?:[\s\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)`;
const escapeRegExp = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// a long word may carry an ending (Kazakh «мыңға», Russian «тысяч»); a short one stands alone
const wordRe = (w: string) => (!/\p{L}$/u.test(w) ? escapeRegExp(w) : w.length >= 3 ? `${escapeRegExp(w)}\\p{L}*` : `${escapeRegExp(w)}(?!\\p{L})`);
const exactRe = (w: string) => (/\p{L}$/u.test(w) ? `${escapeRegExp(w)}(?!\\p{L})` : escapeRegExp(w));
const alt = (ws: string[], re = wordRe) =>
  [...ws]
    .sort((a, b) => b.length - a.length)
    .map((w) => re(normalize(w)))
    .join('|');

/**
 * Budgets in the shopper's words, built once per lexicon: «до 300 тысяч», "under $50", «20 мыңға
 * дейін», «500 тенге» (an amount with its currency and no direction is a ceiling).
 */
export class BudgetWords {
  private readonly patterns: Array<{ re: RegExp; bound: 'max' | 'min' }>;
  private readonly scales: Array<{ re: RegExp; factor: number }>;

  constructor(lexicon: LexiconData) {
    this.scales = Object.entries(lexicon.scales).map(([f, ws]) => ({ re: new RegExp(`^(?:${alt(ws)})`, 'iu'), factor: Number(f) }));
    const scaleAlt = alt(Object.values(lexicon.scales).flat());
    const curAlt = alt(Object.values(lexicon.currencies).flat());
    const amount = String.raw`(?:(?:${curAlt})\s*)?${NUMBER}\s*((?:${scaleAlt}))?\.?\s*(?:(?:${curAlt})\s*)?`;
    const b = lexicon.budget;
    this.patterns = [
      { re: new RegExp(`(?:^|[^\\p{L}])(?:${alt(b.upto, exactRe)})\\s*${amount}`, 'iu'), bound: 'max' },
      { re: new RegExp(`${amount}(?:${alt(b.upto_after, exactRe)})`, 'iu'), bound: 'max' },
      { re: new RegExp(`(?:^|[^\\p{L}])(?:${alt(b.from, exactRe)})\\s*${amount}`, 'iu'), bound: 'min' },
      { re: new RegExp(`${amount}(?:${alt(b.from_after, exactRe)})`, 'iu'), bound: 'min' },
      // an amount with its currency and no direction is a ceiling: "tent $100", «за 500 тенге»
      {
        re: new RegExp(`(?:(?:${curAlt})\\s*${NUMBER}\\s*((?:${scaleAlt}))?(?![\\p{L}\\p{N}])|${NUMBER}\\s*((?:${scaleAlt}))?\\.?\\s*(?:${curAlt}))`, 'iu'),
        bound: 'max',
      },
    ];
  }

  read(text: string): Budget {
    let t = normalize(text);
    const out = { max: null as number | null, min: null as number | null, spans: [] as string[] };
    // every budget has a number: most messages skip the patterns entirely
    if (!/\d/.test(t)) return out;
    for (const { re, bound } of this.patterns) {
      if ((bound === 'max' ? out.max : out.min) !== null) continue;
      const m = t.match(re);
      if (!m) continue;
      const num = m[1] ?? m[3] ?? m[5];
      const scale = m[2] ?? m[4] ?? m[6];
      const n = parseAmount(num!, scale, this.scales);
      if (n === null) continue;
      out[bound] = n;
      out.spans.push(m[0]);
      t = t.replace(m[0], ' ');
    }
    return out;
  }
}

function parseAmount(num: string, scale: string | undefined, scales: Array<{ re: RegExp; factor: number }>): number | null {
  let s = num.replace(/[\s\u00a0\u202f]/g, '');
  // "1,5" and "34.99" are fractions; "300,000" and "1.200" group thousands
  s = /[.,]\d{3}$/.test(s) && !/[.,]\d+[.,]/.test(s) ? s.replace(/[.,]/g, '') : s.replace(',', '.');
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  const factor = scale ? (scales.find((x) => x.re.test(scale))?.factor ?? 1) : 1;
  return Math.round(n * factor * 100) / 100;
}
