import type { Lang } from './lang.ts';
import type { PhraseBook } from './phrases.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A page's own words: the phrase book's keys under `prefix` in one language, the prefix dropped. */
export function pageWords(book: PhraseBook, lang: Lang, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(book[lang]).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/**
 * Fills a served page: {{STORE_NAME}}, {{LANG}}, each {{ui_KEY}} in its HTML (escaped), and
 * {{UI}} with all the words as JSON for its script ("<" escaped, so no value closes the element).
 */
export function renderPage(page: string, opts: { name: string; lang: Lang; words: Record<string, string> }): string {
  return page
    .replaceAll('{{STORE_NAME}}', escapeHtml(opts.name))
    .replaceAll('{{LANG}}', opts.lang)
    .replace(/\{\{ui_(\w+)\}\}/g, (_, k: string) => escapeHtml(opts.words[k] ?? k))
    .replace('{{UI}}', JSON.stringify(opts.words).replace(/</g, '\\u003c'));
}
