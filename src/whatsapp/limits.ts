/**
 * Meta's size limits for what we send, in one place (shared/reference/whatsapp-cloud-api.md §3
 * and "Template components"), and the one way to shorten text to them.
 */
export const LIMITS = {
  textBody: 4096,
  interactiveBody: 1024,
  caption: 1024,
  listButton: 20,
  listRows: 10,
  rowId: 200,
  rowTitle: 24,
  rowDescription: 72,
  sectionTitle: 24,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  templateHeader: 60,
  templateBody: 1024,
  /** product_list: products in all, sections, header text. */
  productListItems: 30,
  productListSections: 10,
  productListHeader: 60,
} as const;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const NBSP = '\u00a0';

/**
 * Shortens to at most `max` UTF-16 units (the stricter way to count), cutting only between
 * grapheme clusters, so an emoji or a letter with its accents is never split. Adds "…" when cut.
 * Runs of white space collapse to one space, except that line breaks and a lone no-break space
 * (the one inside a price) are kept.
 */
export function fit(text: string, max: number): string {
  const clean = text.replace(/\s+/g, (s) => (s.includes('\n') || s === NBSP ? s : ' ')).trim();
  if (clean.length <= max) return clean;
  let out = '';
  for (const { segment } of segmenter.segment(clean)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}

/**
 * A template text parameter as Meta takes it: no new line, no tab, never more than 4
 * consecutive spaces (else the send fails with 132018, a rule the OpenAPI spec does not encode).
 * Line breaks become " · ", other runs of white space one space; a lone no-break space stays.
 */
export function flattenParam(value: string): string {
  return (
    value
      .split(/\s*[\r\n\u2028\u2029]+\s*/)
      // a lone no-break space stays (it keeps a price whole); any other run becomes one space
      .map((line) => line.replace(/\s+/g, (run) => (run === NBSP ? run : ' ')).trim())
      .filter(Boolean)
      .join(' · ')
  );
}

/**
 * Shortens parameter values so the filled text stays within `budget` characters: the longest
 * values give way first, each cut between graphemes (water filling), the short ones kept whole.
 */
export function fitParams(values: Record<string, string>, budget: number): Record<string, string> {
  const names = Object.keys(values);
  const total = names.reduce((n, k) => n + values[k]!.length, 0);
  if (total <= budget) return values;
  const lengths = names.map((k) => values[k]!.length).sort((a, b) => a - b);
  let left = Math.max(0, budget);
  let cap = 0;
  for (let i = 0; i < lengths.length; i++) {
    const share = Math.floor(left / (lengths.length - i));
    if (lengths[i]! <= share) {
      left -= lengths[i]!;
      continue;
    }
    cap = share;
    break;
  }
  return Object.fromEntries(names.map((k) => [k, values[k]!.length > cap ? fit(values[k]!, Math.max(1, cap)) : values[k]!]));
}
