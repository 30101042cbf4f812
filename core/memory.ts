import { kvKeys, type Preferences, type Kv } from './ports.ts';

export type { Preferences };

/** One line of the conversation kept in the store (Redis): what was said, and what was shown. */
export interface ContextEntry {
  role: 'user' | 'assistant';
  text: string;
  /** Products an answer showed, in order, so "the second one" resolves. */
  shown?: Array<{ id: string; name: string }>;
  /** For an answer the model was asked for: whether it answered or failed (two failures in a row hand over to a person). */
  model?: 'ok' | 'failed';
}

export const emptyPreferences = (): Preferences => ({ colors: [], styles: [], categories: [], sizes: [] });

const ctxKey = kvKeys.context;

/** The last N messages; empty when the store is down (the bot answers without context). */
export async function loadContext(store: Kv, shopper: string): Promise<ContextEntry[]> {
  try {
    return (await store.listGet(ctxKey(shopper))).flatMap((s) => {
      try {
        return [JSON.parse(s) as ContextEntry];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

export async function appendContext(store: Kv, shopper: string, entries: ContextEntry[], max: number): Promise<void> {
  if (entries.length)
    await store.listPush(
      ctxKey(shopper),
      entries.map((e) => JSON.stringify(e)),
      max,
    );
}

/** Preferences as Postgres keeps them (read with the inbox claim), or empty ones. */
export function savedPreferences(data: Record<string, unknown> | null): Preferences {
  return { ...emptyPreferences(), ...((data as Partial<Preferences> | null) ?? {}) };
}

const union = (a: string[], b: string[] | undefined, max = 10) => [...new Set([...(b ?? []), ...a])].slice(0, max);

export function mergePreferences(p: Preferences, change: Partial<Preferences>): Preferences {
  return {
    budgetMax: change.budgetMax ?? p.budgetMax,
    budgetMin: change.budgetMin ?? p.budgetMin,
    colors: union(p.colors, change.colors),
    styles: union(p.styles, change.styles),
    categories: union(p.categories, change.categories),
    sizes: union(p.sizes, change.sizes),
  };
}

export function describePreferences(p: Preferences, currency: string): string {
  const parts: string[] = [];
  if (p.budgetMax) parts.push(`budget up to ${p.budgetMax} ${currency}`);
  if (p.budgetMin) parts.push(`budget from ${p.budgetMin} ${currency}`);
  if (p.colors.length) parts.push(`colours: ${p.colors.join(', ')}`);
  if (p.styles.length) parts.push(`styles: ${p.styles.join(', ')}`);
  if (p.categories.length) parts.push(`interested in: ${p.categories.join(', ')}`);
  if (p.sizes.length) parts.push(`sizes: ${p.sizes.join(', ')}`);
  return parts.join('; ') || 'nothing yet';
}
