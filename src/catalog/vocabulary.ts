import { z } from 'zod';
import { readYamlFile } from '../yaml-file.ts';

export const VOCABULARY_FILE = new URL('../../templates/vocabulary.yaml', import.meta.url);

const words = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));
const fileSchema = z.object({ categories: words, colors: words.default({}), styles: words.default({}) });

/** The lowercase form words are compared in: ё and е are one letter. */
export const normalizeWord = (w: string) => w.toLowerCase().replace(/ё/g, 'е');

/** Catalog values (as the catalog writes them) and the shopper words that name each. */
export class Lexicon {
  private readonly entries: Array<{ value: string; prefixes: string[]; whole: string[]; never: string[] }>;

  constructor(table: Record<string, string[]>) {
    this.entries = Object.entries(table).map(([value, list]) => {
      const ws = list.map(normalizeWord);
      return {
        value,
        never: ws.filter((w) => w.startsWith('-')).map((w) => w.slice(1)),
        whole: ws.filter((w) => w.endsWith('.')).map((w) => w.slice(0, -1)),
        prefixes: ws.filter((w) => !w.startsWith('-') && !w.endsWith('.')),
      };
    });
  }

  /** The catalog values, in the file's order. */
  get values(): string[] {
    return this.entries.map((e) => e.value);
  }

  /** The value a (normalised) shopper word names, or null. */
  find(word: string): string | null {
    for (const e of this.entries) {
      if (e.never.some((n) => word.startsWith(n))) continue;
      if (e.whole.includes(word) || e.prefixes.some((p) => word.startsWith(p))) return e.value;
    }
    return null;
  }
}

export interface Vocabulary {
  categories: Lexicon;
  colors: Lexicon;
  styles: Lexicon;
}

/**
 * The store's vocabulary from `templates/vocabulary.yaml` (a problem is a TemplateError naming
 * the file). The next step computes it from the catalog itself; the code holds no store's words.
 */
export function loadVocabulary(path: URL | string = VOCABULARY_FILE): Vocabulary {
  const v = readYamlFile(path, fileSchema);
  return { categories: new Lexicon(v.categories), colors: new Lexicon(v.colors), styles: new Lexicon(v.styles) };
}
