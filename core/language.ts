export type Lang = 'ru' | 'kk' | 'en';
export const LANGS: Lang[] = ['ru', 'kk', 'en'];

const KAZAKH_LETTERS = /[әғқңөұүһі]/i;
const KAZAKH_WORDS = /(^|[^\p{L}])(сәлем|салем|керек|қанша|бар ма|маған|көрсет|рахмет|иә|жоқ|қандай|дейін|теңге)([^\p{L}]|$)/iu;

/** The shopper's language from their words: Kazakh letters or words → kk, Cyrillic → ru, Latin → en. */
export function detectLanguage(text: string, fallback: Lang): Lang {
  if (KAZAKH_LETTERS.test(text) || KAZAKH_WORDS.test(text)) return 'kk';
  const cyr = (text.match(/[\u0400-\u04ff]/g) ?? []).length;
  const lat = (text.match(/[a-z]/gi) ?? []).length;
  if (cyr === 0 && lat === 0) return fallback;
  return cyr >= lat ? 'ru' : 'en';
}

export function asLang(v: string | null | undefined, fallback: Lang): Lang {
  return v === 'ru' || v === 'kk' || v === 'en' ? v : fallback;
}

const SPOKEN: Record<string, Lang> = { russian: 'ru', ru: 'ru', kazakh: 'kk', kk: 'kk', english: 'en', en: 'en' };

/** A language as a speech model names it ("kazakh", "ru"), or null when it is not one we speak. */
export function spokenLanguage(name: string | null | undefined): Lang | null {
  return SPOKEN[(name ?? '').toLowerCase()] ?? null;
}
