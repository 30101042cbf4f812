import { z } from 'zod';
import { TemplateError } from './errors.ts';
import { LANGS, type Lang } from './lang.ts';
import { readYamlFile } from './yaml-file.ts';

export const PHRASES_FILE = new URL('../templates/phrases.yaml', import.meta.url);

const schema = z.object({ ru: z.record(z.string(), z.string()), kk: z.record(z.string(), z.string()), en: z.record(z.string(), z.string()) });

export type PhraseBook = Record<Lang, Record<string, string>>;

/** Loads and checks the phrase book: every key in every language. */
export function loadPhrases(path: URL | string = PHRASES_FILE): PhraseBook {
  const book = readYamlFile(path, schema);
  const keys = new Set(LANGS.flatMap((l) => Object.keys(book[l])));
  const missing = LANGS.flatMap((l) => [...keys].filter((k) => !(k in book[l])).map((k) => `${l}.${k}`));
  if (missing.length) throw new TemplateError(`missing phrases: ${missing.join(', ')}`, path instanceof URL ? path.pathname : path);
  return book;
}

/** A phrase with its {{values}} filled in. Unknown keys are a bug and throw. */
export function say(book: PhraseBook, lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const text = book[lang][key];
  if (text === undefined) throw new Error(`no phrase "${key}"`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? ''));
}
