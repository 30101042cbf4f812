/** The languages Vitrina speaks: the one definition every part uses (phrases, templates, profile). */
export const LANGS = ['ru', 'kk', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);

export function asLang(v: string | null | undefined, fallback: Lang): Lang {
  return isLang(v) ? v : fallback;
}

/** BCP 47 tags for Intl (numbers, prices, dates). */
export const LOCALE: Record<Lang, string> = { ru: 'ru-RU', kk: 'kk-KZ', en: 'en-US' };
