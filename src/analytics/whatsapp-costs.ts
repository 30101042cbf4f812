import { query, sql, type Tx } from '../db/database.ts';
import type { RateCard } from './rate-card.ts';

export interface CostLine {
  messages: number;
  /** Messages Meta charges (pricing type `regular`, or `billable` in the conversation-based shape). */
  charged: number;
  /** Charged messages the rate card cannot price (an unknown country or category): counted, never guessed. */
  unpriced: number;
  usd: number;
}

export interface CostReport {
  currency: 'USD';
  /** The store's local days, inclusive. */
  from: string;
  to: string;
  total: CostLine;
  byCategory: Array<CostLine & { category: string }>;
  /** By the template sent (null: free-form messages, free inside the window). */
  byTemplate: Array<CostLine & { template: string | null; category: string }>;
  byDay: Array<CostLine & { day: string }>;
}

/** USD to a millionth: sums of rates stay exact to the cent and below. */
const micro = (usd: number) => Math.round(usd * 1e6) / 1e6;
const line = (): CostLine => ({ messages: 0, charged: 0, unpriced: 0, usd: 0 });
const add = (l: CostLine, n: number, charged: boolean, price: number | null) => {
  l.messages += n;
  if (!charged) return;
  l.charged += n;
  if (price === null) l.unpriced += n;
  else l.usd = micro(l.usd + n * price);
};

/**
 * What WhatsApp charged over the store's local days `from`…`to` (YYYY-MM-DD, inclusive), from
 * the daily roll-up's `wa` rows (day, country, category, charged, template), each priced with
 * the rate of its own day — a period across a rate change is priced with each rate on its own
 * days, and a corrected rate card reprices the past.
 */
export async function whatsappCosts(db: Tx, card: RateCard, p: { from: string; to: string }): Promise<CostReport> {
  const rows = (
    await query<{ day: string; key: string; n: number | string }>(
      db,
      sql`select to_char(day, 'YYYY-MM-DD') as day, key, n from analytics_daily where metric = 'wa' and day between ${p.from}::date and ${p.to}::date order by day, key`,
    )
  ).map((r) => {
    const [country, category, charged, template] = r.key.split('|') as [string, string, string, string];
    return { day: r.day, country: country || null, category, charged: charged === '1', template: template || null, n: Number(r.n) };
  });
  const report: CostReport = { currency: 'USD', from: p.from, to: p.to, total: line(), byCategory: [], byTemplate: [], byDay: [] };
  const cats = new Map<string, CostLine & { category: string }>();
  const tpls = new Map<string, CostLine & { template: string | null; category: string }>();
  const days = new Map<string, CostLine & { day: string }>();
  for (const r of rows) {
    const { n, charged } = r;
    const price = charged ? card.price({ country: r.country, category: r.category, at: new Date(`${r.day}T12:00:00Z`) }) : 0;
    add(report.total, n, charged, price);
    const c = cats.get(r.category) ?? cats.set(r.category, { category: r.category, ...line() }).get(r.category)!;
    add(c, n, charged, price);
    const tk = `${r.template ?? ''}\n${r.category}`;
    const t = tpls.get(tk) ?? tpls.set(tk, { template: r.template, category: r.category, ...line() }).get(tk)!;
    add(t, n, charged, price);
    const d = days.get(r.day) ?? days.set(r.day, { day: r.day, ...line() }).get(r.day)!;
    add(d, n, charged, price);
  }
  report.byCategory = [...cats.values()].sort((a, b) => b.usd - a.usd || a.category.localeCompare(b.category));
  report.byTemplate = [...tpls.values()].sort((a, b) => b.usd - a.usd || String(a.template).localeCompare(String(b.template)));
  report.byDay = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  return report;
}

/** The month so far and where it is heading, in all and by category and template. */
export interface MonthForecast {
  month: string;
  spent: number;
  forecast: number;
  days: number;
  of: number;
  byTemplate: Array<{ template: string | null; category: string; spent: number; forecast: number }>;
  /** The bot's and managers' free-form replies (no template): billed as `service` since 2026-10-01. */
  replies: { messages: number; spent: number; forecast: number };
}

/**
 * The month so far and where it is heading: the spend from the 1st to `today` (the store's local
 * day), and that pace carried to the month's last day — in all, and for each category and
 * template.
 */
export async function monthForecast(db: Tx, card: RateCard, p: { today: string }): Promise<MonthForecast> {
  const [y, m, d] = p.today.split('-').map(Number) as [number, number, number];
  const of = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const month = p.today.slice(0, 7);
  const r = await whatsappCosts(db, card, { from: `${month}-01`, to: p.today });
  const pace = (usd: number) => Math.round((usd / d) * of * 100) / 100;
  const replies = r.byTemplate.filter((t) => t.template === null);
  const replyUsd = replies.reduce((a, t) => a + t.usd, 0);
  return {
    month,
    spent: r.total.usd,
    forecast: pace(r.total.usd),
    days: d,
    of,
    byTemplate: r.byTemplate.filter((t) => t.charged > 0).map((t) => ({ template: t.template, category: t.category, spent: t.usd, forecast: pace(t.usd) })),
    replies: { messages: replies.reduce((a, t) => a + t.messages, 0), spent: micro(replyUsd), forecast: pace(replyUsd) },
  };
}
