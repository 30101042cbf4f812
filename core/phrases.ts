import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { TemplateError } from '../src/errors.ts';
import { LANGS, type Lang } from './language.ts';

export const PHRASES_FILE = new URL('../templates/phrases.yaml', import.meta.url);

const schema = z.object({ ru: z.record(z.string(), z.string()), kk: z.record(z.string(), z.string()), en: z.record(z.string(), z.string()) });

export type PhraseBook = Record<Lang, Record<string, string>>;

/** Loads and checks the phrase book: every key in every language. */
export function loadPhrases(path: URL | string = PHRASES_FILE): PhraseBook {
  const file = String(path instanceof URL ? path.pathname : path);
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new TemplateError((err as Error).message.split('\n')[0]!, file, pos?.line, pos?.col);
  }
  const book = schema.safeParse(data);
  if (!book.success) throw new TemplateError(book.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), file);
  const keys = new Set(LANGS.flatMap((l) => Object.keys(book.data[l])));
  const missing = LANGS.flatMap((l) => [...keys].filter((k) => !(k in book.data[l])).map((k) => `${l}.${k}`));
  if (missing.length) throw new TemplateError(`missing phrases: ${missing.join(', ')}`, file);
  return book.data;
}

/** A phrase with its {{values}} filled in. Unknown keys are a bug and throw. */
export function say(book: PhraseBook, lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const text = book[lang][key];
  if (text === undefined) throw new Error(`no phrase "${key}"`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? ''));
}
