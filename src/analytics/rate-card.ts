import { z } from 'zod';
import { readYamlFile } from '../yaml-file.ts';

export const RATES_FILE = new URL('../../templates/rates.yaml', import.meta.url);

const day = z
  .union([z.date(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-10-01')])
  .transform((d) => (typeof d === 'string' ? d : d.toISOString().slice(0, 10)));
const usd = z.number().nonnegative().max(10);
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as KZ');

const schema = z
  .strictObject({
    currency: z.literal('USD'),
    countries: z.record(country, z.array(z.string().regex(/^\d{1,6}$/, 'digits of the international number, without +')).min(1)),
    rates: z.record(country, z.array(z.object({ from: day }).catchall(usd)).min(1)),
    /** What the models cost by name (OPENAI_MODEL, OPENAI_VISION_MODEL, OPENAI_TRANSCRIBE_MODEL): USD per million tokens, or per minute of audio. */
    models: z
      .record(
        z.string().min(1),
        z.strictObject({
          input: z.number().nonnegative().max(1000).default(0),
          output: z.number().nonnegative().max(1000).default(0),
          per_minute: z.number().nonnegative().max(10).default(0),
        }),
      )
      .default({}),
  })
  .superRefine((card, ctx) => {
    for (const [c, rows] of Object.entries(card.rates)) {
      if (!card.countries[c]) ctx.addIssue({ code: 'custom', path: ['rates', c], message: `${c} has rates but no number prefixes under countries` });
      rows.forEach((r, i) => {
        if (i > 0 && r.from <= rows[i - 1]!.from)
          ctx.addIssue({ code: 'custom', path: ['rates', c, i, 'from'], message: 'rates are listed oldest first, one row per start day' });
      });
    }
  });

/** Meta's per-message prices by country and category, each from the day it starts. */
export interface RateCard {
  /** The country of a recipient's number (wa_id), by the longest listed prefix; null when none. */
  countryOf(waId: string): string | null;
  /** USD for one delivered message, or null when the card has no rate for it (an unknown country or category). */
  price(p: { country: string | null; category: string; at: Date }): number | null;
  /** When each country's rates change, for a period that spans a change. */
  changes: Record<string, string[]>;
  /** Number prefixes and their countries, longest first (what `countryOf` reads; SQL reads it too). */
  prefixes: Array<{ p: string; c: string }>;
  /** USD for a model's tokens and audio seconds, or null when the card does not list the model. */
  modelCost(model: string, use: { tokensIn: number; tokensOut: number; seconds: number }): number | null;
}

/** Reads and checks rates.yaml (a TemplateError names file:line). */
export function loadRateCard(path: URL | string = RATES_FILE): RateCard {
  const card = readYamlFile(path, schema);
  const prefixes = Object.entries(card.countries)
    .flatMap(([c, ps]) => ps.map((p) => ({ p, c })))
    .sort((a, b) => b.p.length - a.p.length);
  return {
    countryOf: (waId) => prefixes.find((x) => waId.replace(/^\+/, '').startsWith(x.p))?.c ?? null,
    price: ({ country: c, category, at }) => {
      if (!c) return null;
      const day = at.toISOString().slice(0, 10);
      const row = [...(card.rates[c] ?? [])].reverse().find((r) => r.from <= day);
      const v = category === 'from' ? undefined : row?.[category];
      return typeof v === 'number' ? v : null;
    },
    changes: Object.fromEntries(Object.entries(card.rates).map(([c, rows]) => [c, rows.map((r) => r.from)])),
    prefixes,
    modelCost: (model, use) => {
      const m = card.models[model];
      return m ? Math.round(((use.tokensIn * m.input + use.tokensOut * m.output) / 1e6 + (use.seconds / 60) * m.per_minute) * 1e6) / 1e6 : null;
    },
  };
}

/** What a status webhook's `pricing` says of a message (Meta: per-message pricing since 2025-07-01). */
export interface MessagePricing {
  /** marketing, utility, authentication, authentication_international, marketing_lite, service, … */
  category: string;
  /** regular (charged), free_customer_service, free_entry_point; null before per-message pricing. */
  type: string | null;
  model: string | null;
  billable: boolean | null;
}

/** The `pricing` object of a status, or null when it has none. */
export function pricingOf(status: Record<string, unknown>): MessagePricing | null {
  const p = status.pricing as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object' || typeof p.category !== 'string') return null;
  return {
    category: p.category,
    type: typeof p.type === 'string' ? p.type : null,
    model: typeof p.pricing_model === 'string' ? p.pricing_model : null,
    billable: typeof p.billable === 'boolean' ? p.billable : null,
  };
}

/**
 * What one message cost, in USD: a regular (charged) message at the card's rate for its
 * recipient's country, category and day; free types nothing. A conversation-based status
 * (CBP, before 2025-07-01) is charged when `billable`. Null: charged, but the card does not say
 * how much (reported as unpriced, never guessed).
 */
export function messageCost(card: RateCard, p: MessagePricing, recipient: string, at: Date): number | null {
  const charged = p.type !== null ? p.type === 'regular' : p.billable === true;
  if (!charged) return 0;
  return card.price({ country: card.countryOf(recipient), category: p.category, at });
}
