import { createHash } from 'node:crypto';
import type { Lang } from './lang.ts';
import type { PhraseBook } from './phrases.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A page's own words: the phrase book's keys under `prefix` in one language, the prefix dropped. */
export function pageWords(book: PhraseBook, lang: Lang, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(book[lang])
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

/**
 * The headers of the service's own pages (console, analytics, sandbox): a Content-Security-Policy
 * that runs only the page's own scripts — each inline one by its hash, computed from the page as
 * rendered — and no framing. Images may come from the catalog's own hosts (https).
 */
export function pageHeaders(html: string): Record<string, string> {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { 'content-security-policy': csp, 'cache-control': 'no-store' };
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
