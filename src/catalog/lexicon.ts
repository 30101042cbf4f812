import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readYamlFile } from '../yaml-file.ts';

export const LEXICON_FILE = new URL('../../templates/lexicon.yaml', import.meta.url);

const words = z.array(z.string().min(1)).min(1);
const concepts = z.record(z.string().min(1), words);
const phrase = z
  .string()
  .min(1)
  .refine((w) => w.trim().split(/\s+/).length <= 3, 'at most three words a phrase');
const byLanguage = z.record(z.string().min(1), z.partialRecord(z.enum(['en', 'ru', 'kk']), z.array(phrase).min(1)));
const lexiconSchema = z.strictObject({
  colors: concepts,
  materials: concepts,
  sizes: concepts,
  size_attributes: words,
  follow_ups: z.strictObject({ cheaper: words, pricier: words, bigger: words, smaller: words, similar: words, other: words }),
  units: concepts,
  currencies: z.record(z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'), words),
  scales: z.record(z.string().regex(/^\d+$/, 'a multiplier such as 1000'), words),
  budget: z.strictObject({ upto: words, upto_after: words, from: words, from_after: words }),
  cart: z.strictObject({
    add: words,
    view: words,
    checkout: words,
    remove: words,
    clear: words,
    more: words,
    more_with: words,
    delivery: words,
    pickup: words,
    units: words,
  }),
  numbers: z.record(z.string().regex(/^\d+$/, 'a whole number'), words),
  kazakh_words: words,
  common: z.record(z.string().regex(/^[a-z]{2}$/), z.array(z.string().min(1))),
  /** What a store's own system (1C's properties, a YML feed's params) calls the product fields the search filters on. */
  fields: z.strictObject({ color: words, brand: words, material: words, style: words, category: words }),
  /** What 1C's price types (ТипыЦен) call the retail price: the one shoppers see. */
  retail_price_types: words,
  /** What shoppers ask about the store itself, and for a person: answered without a model. */
  intents: z.strictObject({ address: words, hours: words, delivery: words, person: words, thanks: words }),
  /** Things shops sell, in the words shoppers use, by language: a concept reaches the categories the catalog names with any of its words. */
  products: byLanguage,
  /** Kinds of a thing shoppers name beside it (for women, wireless, gaming): every language's words search together. */
  kinds: byLanguage,
});

/** The shipped lexicon of common shopping concepts (templates/lexicon.yaml). */
export type LexiconData = z.infer<typeof lexiconSchema>;
export type FollowUp = keyof LexiconData['follow_ups'];
export type CartWord = Exclude<keyof LexiconData['cart'], 'units' | 'more_with'>;

export function loadLexicon(path: URL | string = LEXICON_FILE): LexiconData {
  return readYamlFile(path, lexiconSchema);
}

const synonymsSchema = z.strictObject({ synonyms: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}) }).nullable();

/**
 * A merchant's synonyms (`synonyms.yaml` next to `store.yaml`): each key is a word or phrase as
 * the catalog writes it, its list the words shoppers use for it ("Свитеры: [jumper, джемпер]").
 * A missing file is no synonyms.
 */
export function loadSynonyms(path: URL | string): Record<string, string[]> {
  if (!existsSync(path)) return {};
  return readYamlFile(path, synonymsSchema)?.synonyms ?? {};
}
