import { LANGS, asLang, normalize, type Lang } from './ports.ts';
import type { Vocabulary } from './vocabulary.ts';

export { LANGS, asLang, type Lang };

const KAZAKH_LETTERS = /[әғқңөұүһі]/i;
/**
 * The shopper's language from their words. Kazakh letters or Kazakh words (the lexicon's
 * kazakh_words, also typed without the Kazakh letters) → kk. Otherwise
 * Cyrillic words against Latin ones, where Latin words the catalog knows (a brand, a value),
 * model numbers ("R50") and capitalised names ("Canon EOS") do not count: "хочу Canon EOS R50"
 * is Russian, and a product name alone keeps the language the shopper was using.
 */
export function detectLanguage(text: string, fallback: Lang, vocabulary?: Vocabulary): Lang {
  if (KAZAKH_LETTERS.test(text)) return 'kk';
  const raw = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  let cyr = 0;
  let lat = 0;
  let kk = 0;
  for (const w of raw) {
    const n = normalize(w);
    if (/[\u0400-\u04ff]/.test(w)) {
      const kazakh = vocabulary?.isKazakh(n) ?? false;
      if (kazakh) kk++;
      // a catalog word alone («диван») is said the same in a Kazakh conversation
      if (!vocabulary?.knows(n) || kazakh) cyr++;
    } else if (/[a-z]/i.test(w)) {
      // a capital starts a name inside a phrase ("Canon EOS"); one word alone ("START") is a word
      const name = /\d/.test(w) || (raw.length > 1 && /^[A-Z]/.test(w)) || vocabulary?.knows(n);
      if (!name) lat++;
    }
  }
  if (kk > 0 && kk * 3 >= cyr) return 'kk';
  if (cyr === 0 && lat === 0) return fallback;
  if (cyr > lat) return 'ru';
  return lat > 0 ? 'en' : fallback;
}

const SPOKEN: Record<string, Lang> = { russian: 'ru', ru: 'ru', kazakh: 'kk', kk: 'kk', english: 'en', en: 'en' };

/** A language as a speech model names it ("kazakh", "ru"), or null when it is not one we speak. */
export function spokenLanguage(name: string | null | undefined): Lang | null {
  return SPOKEN[(name ?? '').toLowerCase()] ?? null;
}
