import { normalizeWord, type Lexicon, type Vocabulary } from './ports.ts';

/**
 * Deterministic reading of a shopper's words: budget ("до 300 тысяч" → 300 000), colour,
 * category and style in ru, kk and en, mapped to the catalog's values through the store's
 * vocabulary (templates/vocabulary.yaml), plus what is left to search for. Used by the offline assistant and to record preferences without a model.
 */
export interface Extracted {
  /** Currency units (not minor). */
  budgetMax: number | null;
  budgetMin: number | null;
  color: string | null;
  category: string | null;
  style: string | null;
  /** Words left after filters and filler are removed. */
  rest: string;
}

const FILLER = new Set(
  `хочу хотел хотела хотим покажи покажите показать нужен нужна нужно нужны ищу ищем мне нам пожалуйста какой какая какие есть ли
  а и в во на с со для по из у до от что-нибудь что нибудь подешевле дешевле недорого недорогой недорогие купить найди найдите подбери
  i want need show me looking for a an the please some any to buy find with under below up of in on
  маған керек көрсет көрсетіңіз бар ма іздеймін сатып алу қандай және`.split(/\s+/),
);

const NUMBER = String.raw`(\d[\d\s\u00a0.,]*\d|\d)`;
const SCALE = String.raw`(тысяч\p{L}*|тыс\.?|т\.?|к|k|мың\p{L}*|thousand|млн|миллион\p{L}*|m)?`;
const UPPER = [
  new RegExp(String.raw`(?:до|не дороже|дешевле|максимум|макс\.?|в пределах|под)\s*${NUMBER}\s*${SCALE}`, 'iu'),
  new RegExp(String.raw`${NUMBER}\s*${SCALE}\s*(?:теңгеге|тг|тенге|₸)?\s*дейін`, 'iu'),
  new RegExp(String.raw`(?:under|below|up to|max|less than|no more than)\s*\$?${NUMBER}\s*${SCALE}`, 'iu'),
];
const LOWER = [new RegExp(String.raw`(?:от|дороже|from|over|above)\s*${NUMBER}\s*${SCALE}`, 'iu')];

function amount(num: string, scale: string | undefined): number | null {
  const n = Number(num.replace(/[\s\u00a0]/g, '').replace(/,(\d{1,2})$/, '.$1').replace(/[.,](?=\d{3}\b)/g, ''));
  if (!Number.isFinite(n)) return null;
  const s = (scale ?? '').toLowerCase();
  const mult = /^(тыс|т\.?$|к$|k$|мың|thousand)/.test(s) ? 1000 : /^(млн|миллион|m$)/.test(s) ? 1_000_000 : 1;
  return Math.round(n * mult);
}

function firstMatch(words: string[], lexicon: Lexicon): { value: string | null; used: Set<number> } {
  const used = new Set<number>();
  let value: string | null = null;
  words.forEach((w, i) => {
    const v = lexicon.find(w);
    if (v === null) return;
    value ??= v;
    used.add(i);
  });
  return { value, used };
}

/** Reads the words with the store's vocabulary (catalog values and the words shoppers use for them). */
export function extract(text: string, vocabulary: Vocabulary): Extracted {
  let rest = normalizeWord(text);
  let budgetMax: number | null = null;
  let budgetMin: number | null = null;
  for (const re of UPPER) {
    const m = rest.match(re);
    if (m) {
      budgetMax = amount(m[1]!, m[2]);
      rest = rest.replace(m[0], ' ');
      break;
    }
  }
  for (const re of LOWER) {
    const m = rest.match(re);
    if (m) {
      budgetMin = amount(m[1]!, m[2]);
      rest = rest.replace(m[0], ' ');
      break;
    }
  }
  const words = rest.match(/[\p{L}\p{N}-]+/gu) ?? [];
  const color = firstMatch(words, vocabulary.colors);
  const category = firstMatch(words, vocabulary.categories);
  const style = firstMatch(words, vocabulary.styles);
  const used = new Set([...color.used, ...category.used, ...style.used]);
  const left = words.filter((w, i) => !used.has(i) && !FILLER.has(w) && !/^\d+$/.test(w) && w.length > 1);
  return { budgetMax, budgetMin, color: color.value, category: category.value, style: style.value, rest: left.join(' ') };
}
