import type { CatalogSource } from '../profile/store-profile.ts';
import type { LexiconData } from './lexicon.ts';
import type { Field } from './fields.ts';

/** What 1C's price list calls the retail price, or why it cannot be told (the text names store.yaml's line). */
export type PriceTypeChoice<T> = { ok: true; type: T } | { ok: false; error: string };

/**
 * How a store's own system is read, whatever its format (1C's CommerceML, a YML feed): which of
 * its property names are the fields search filters on, what its currency words mean, which 1C
 * price type is the retail price. Built from the shipped lexicon and store.yaml, never a list here.
 */
export interface SourceReading {
  /** A property or param name (any case, 1C:УТ's suffix «(Одежда)» or not) → the product field it fills, or null for a free attribute. */
  field(name: string): Field | null;
  /** A currency as the system writes it ("руб.", "RUR", "тг", "₴", "KZT") → ISO 4217, or null when unknown. */
  currency(word: string): string | null;
  /** The store's currency, for prices that name none. */
  defaultCurrency: string;
  /** The retail price among 1C's price types: store.yaml's choice, else the one type whose name says retail. Never a guess. */
  retailPriceType<T extends { id: string; name: string }>(types: T[]): PriceTypeChoice<T>;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').replace(/\.$/, '');
/** A name as words only: «1) Розничная цена» → "розничная цена". */
const words = (s: string) =>
  ` ${s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;

/**
 * A property or characteristic name without what 1C:Управление торговлей 11 appends to tell
 * sets of them apart: «Цвет. (Доп реквизиты текстиль)» → «Цвет», «Размер (Одежда)» → «Размер».
 */
export function bareName(name: string): string {
  let s = name.trim();
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/\s*\([^()]*\)\s*$/, '').replace(/[\s.,:;_-]+$/, '');
  }
  return s || name.trim();
}

/**
 * A property's values as 1C and feeds write several in one («красный;черный», «S; M»): each,
 * trimmed, in order, without repeats.
 */
export const splitValues = (value: string): string[] => [
  ...new Set(
    value
      .split(';')
      .map((v) => v.trim())
      .filter(Boolean),
  ),
];

let icu: Map<string, string> | null = null;

/**
 * ISO 4217 as ICU knows it: every code, and the signs and names that belong to one code only in
 * the languages of the markets we serve («₴», «гривна», "Ukrainian hryvnia"). A sign of one or
 * two letters («р.», "Br") is not read from here: the lexicon names those it means.
 */
function icuCurrencies(): Map<string, string> {
  if (icu) return icu;
  const codes = Intl.supportedValuesOf('currency');
  const owners = new Map<string, Set<string>>();
  const own = (word: string, code: string) => {
    const w = norm(word);
    if (!w || w === code.toLowerCase() || !(/\p{Sc}/u.test(w) || (w.match(/\p{L}/gu)?.length ?? 0) >= 3)) return;
    owners.set(w, (owners.get(w) ?? new Set()).add(code));
  };
  for (const locale of ['ru', 'en', 'kk', 'uk', 'uz', 'ky', 'be']) {
    const names = new Intl.DisplayNames([locale], { type: 'currency' });
    for (const code of codes) {
      for (const display of ['symbol', 'narrowSymbol'] as const) {
        const part = new Intl.NumberFormat(locale, { style: 'currency', currency: code, currencyDisplay: display })
          .formatToParts(1)
          .find((p) => p.type === 'currency');
        if (part) own(part.value, code);
      }
      own(names.of(code) ?? '', code);
    }
  }
  icu = new Map(codes.map((c) => [c.toLowerCase(), c]));
  for (const [w, set] of owners) if (set.size === 1 && !icu.has(w)) icu.set(w, [...set][0]!);
  return icu;
}

export function sourceReading(
  lexicon: Pick<LexiconData, 'fields' | 'currencies' | 'retail_price_types'>,
  source: CatalogSource,
  defaultCurrency: string,
): SourceReading {
  const fields = new Map<string, Field>();
  for (const [field, names] of Object.entries(lexicon.fields) as Array<[Field, string[]]>)
    for (const n of [...names, ...(source.fields[field] ?? [])]) fields.set(norm(n), field);
  const currencies = new Map<string, string>();
  for (const [code, ws] of Object.entries(lexicon.currencies)) for (const w of [code, ...ws]) currencies.set(norm(w), code);
  const retail = lexicon.retail_price_types.map(words);
  return {
    field: (name) => fields.get(norm(name)) ?? fields.get(norm(bareName(name))) ?? null,
    currency: (word) => {
      const w = norm(word);
      if (!w) return null;
      return currencies.get(w) ?? icuCurrencies().get(w) ?? null;
    },
    defaultCurrency,
    retailPriceType: (types) => {
      const listed = types.map((t) => `«${t.name}»`).join(', ');
      const line = (name: string) => `catalog_source:\n  price_type: "${name.replace(/"/g, '\\"')}"`;
      if (!types.length) return { ok: false, error: 'the offers name no price type (ТипыЦен) and none is known from an earlier exchange' };
      if (source.priceType) {
        const w = norm(source.priceType);
        const t = types.find((x) => x.id === source.priceType || norm(x.name) === w);
        return t
          ? { ok: true, type: t }
          : { ok: false, error: `price type «${source.priceType}» (store.yaml catalog_source.price_type) is not among 1C's: ${listed}` };
      }
      const exact = types.filter((t) => retail.includes(words(t.name)));
      const named = exact.length ? exact : types.filter((t) => retail.some((r) => words(t.name).includes(r)));
      if (named.length === 1) return { ok: true, type: named[0]! };
      if (!named.length)
        return {
          ok: false,
          error: `none of 1C's price types is named as a retail price: ${listed}. Shoppers must never see a wholesale price by chance: name the one they pay in store.yaml:\n${line(types[0]!.name)}`,
        };
      return {
        ok: false,
        error: `several of 1C's price types read as retail: ${named.map((t) => `«${t.name}»`).join(', ')}. Name the one shoppers pay in store.yaml:\n${line(named[0]!.name)}`,
      };
    },
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
