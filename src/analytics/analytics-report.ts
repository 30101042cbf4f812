import { query, sql, type Tx } from '../db/database.ts';
import { fromMinor } from '../catalog/money.ts';
import { rollupComputedAt } from './daily-rollup.ts';
import type { RateCard } from './rate-card.ts';
import { monthForecast, whatsappCosts, type CostReport, type MonthForecast } from './whatsapp-costs.ts';
import { EVENT } from './event-kinds.ts';

/** A share rounded to four places; null when there is nothing to divide by. */
const rate = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/**
 * The nearest-rank percentile of a bucketed distribution (bucket value → count): the smallest
 * value with at least p of the counts at or below it. Null when empty.
 */
export function percentile(hist: Map<number, number>, p: number): number | null {
  const total = [...hist.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const v of [...hist.keys()].sort((a, b) => a - b)) {
    seen += hist.get(v)!;
    if (seen >= rank) return v;
  }
  return null;
}

export interface TemplateLine {
  template: string;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  taps: number;
  deliveryRate: number | null;
  readRate: number | null;
  failureRate: number | null;
}

export interface ManagerLine {
  manager: string;
  /** The console account's name, when the manager (login or phone) has one. */
  name: string | null;
  taken: number;
  replies: number;
  closed: number;
  firstResponseP50Ms: number | null;
  firstResponseP95Ms: number | null;
  resolutionP50Ms: number | null;
}

export interface AnalyticsReport {
  from: string;
  to: string;
  timeZone: string;
  currency: string;
  /** When the oldest day of the period was last rolled up (the numbers are as of then); null: not yet. */
  asOf: string | null;
  messages: { in: number; out: number; voiceNotes: number; photos: number; byType: Record<string, number> };
  delivery: { sent: number; delivered: number; read: number; failed: number; deliveryRate: number | null; readRate: number | null; failureRate: number | null };
  errors: Array<{ code: string; count: number }>;
  answers: { expected: number; answered: number; responseRate: number | null; p50Ms: number | null; p95Ms: number | null };
  handoffs: {
    opened: number;
    taken: number;
    closed: number;
    replies: number;
    firstResponseP50Ms: number | null;
    firstResponseP95Ms: number | null;
    resolutionP50Ms: number | null;
    resolutionP95Ms: number | null;
    managers: ManagerLine[];
  };
  funnel: Array<{ step: string; count: number }>;
  orders: { count: number; value: number };
  features: { voiceNotes: number; photos: number; recommendationTaps: number; listTaps: number; alertsSet: number; alertsFired: number };
  consent: { stop: number; start: number; marketingCapped: number };
  model: {
    calls: number;
    tokensIn: number;
    tokensOut: number;
    usd: number;
    unpriced: number;
    byModel: Array<{ model: string; calls: number; tokensIn: number; tokensOut: number; audioSeconds: number; usd: number | null }>;
  };
  templates: TemplateLine[];
  costs: CostReport & { month: MonthForecast | null };
  daily: Array<{ day: string; in: number; out: number; orders: number; orderValue: number; usd: number }>;
}

/** The funnel's steps, in order: each is a metric (and key) of the roll-up. */
const FUNNEL: Array<{ step: string; metric: string; key?: string }> = [
  { step: 'searches', metric: 'event', key: EVENT.search },
  { step: 'product_views', metric: 'event', key: EVENT.product_view },
  { step: 'alerts_set', metric: 'event', key: EVENT.alert_set },
  { step: 'alerts_fired', metric: 'alerts_fired' },
  { step: 'alert_taps', metric: 'alert_taps' },
  { step: 'carts', metric: 'carts' },
  { step: 'orders', metric: 'orders' },
];

/**
 * Every number of the analytics page, the API and `vitrina report`, for the store's local days
 * `from`…`to`, read from the daily roll-up only (two grouped queries and the cost report).
 * `today` is the store's local day, for the month's forecast when the period reaches it.
 */
export async function analyticsReport(
  db: Tx,
  card: RateCard,
  p: { from: string; to: string; timeZone: string; currency: string; today: string; managers?: Array<{ login: string; name: string; phone: string | null }> },
): Promise<AnalyticsReport> {
  const rows = await query<{ metric: string; key: string; n: string | number; amount: number }>(
    db,
    sql`select metric, key, sum(n) as n, sum(amount) as amount from analytics_daily
      where day between ${p.from}::date and ${p.to}::date and metric <> '_computed' group by metric, key`,
  );
  const days = await query<{ day: string; metric: string; n: string | number; amount: number }>(
    db,
    sql`select to_char(day, 'YYYY-MM-DD') as day, metric, sum(n) as n, sum(amount) as amount from analytics_daily
      where day between ${p.from}::date and ${p.to}::date and metric in ('in', 'out_sent', 'orders') group by day, metric order by day`,
  );
  const by = new Map<string, Map<string, { n: number; amount: number }>>();
  for (const r of rows) {
    const m = by.get(r.metric) ?? by.set(r.metric, new Map()).get(r.metric)!;
    m.set(r.key, { n: Number(r.n), amount: Number(r.amount) });
  }
  const keys = (metric: string) => by.get(metric) ?? new Map<string, { n: number; amount: number }>();
  const n = (metric: string, key?: string) => (key === undefined ? [...keys(metric).values()].reduce((a, v) => a + v.n, 0) : (keys(metric).get(key)?.n ?? 0));
  /** `manager|bucket` rows as one distribution, or one manager's. */
  const hist = (metric: string, manager?: string) => {
    const h = new Map<number, number>();
    for (const [k, v] of keys(metric)) {
      const cut = k.lastIndexOf('|');
      if (manager !== undefined && k.slice(0, cut) !== manager) continue;
      const b = Number(k.slice(cut + 1));
      h.set(b, (h.get(b) ?? 0) + v.n);
    }
    return h;
  };

  const sent = n('out_sent');
  const delivered = n('out_delivered');
  const read = n('out_read');
  const failed = n('out_failed');
  const templates: TemplateLine[] = [...keys('out_sent').keys()]
    .filter((t) => t !== '')
    .map((t) => {
      const s = n('out_sent', t);
      return {
        template: t,
        sent: s,
        delivered: n('out_delivered', t),
        read: n('out_read', t),
        failed: n('out_failed', t),
        taps: n('template_taps', t),
        deliveryRate: rate(n('out_delivered', t), s),
        readRate: rate(n('out_read', t), s),
        failureRate: rate(n('out_failed', t), s),
      };
    })
    .sort((a, b) => b.sent - a.sent || a.template.localeCompare(b.template));

  const answerHist = new Map([...keys('answer_ms')].map(([k, v]) => [Number(k), v.n]));
  const people = new Set([...keys('handoff_taken').keys(), ...keys('manager_replies').keys(), ...keys('handoff_closed').keys()].filter(Boolean));
  const account = (who: string) => p.managers?.find((m) => m.login === who || m.phone === who) ?? null;
  const managers: ManagerLine[] = [...people].sort().map((m) => ({
    manager: m,
    name: account(m)?.name ?? null,
    taken: n('handoff_taken', m),
    replies: n('manager_replies', m),
    closed: n('handoff_closed', m),
    firstResponseP50Ms: percentile(hist('handoff_first_ms', m), 0.5),
    firstResponseP95Ms: percentile(hist('handoff_first_ms', m), 0.95),
    resolutionP50Ms: percentile(hist('handoff_resolution_ms', m), 0.5),
  }));

  let modelUsd = 0;
  let unpriced = 0;
  const byModel = [...keys('model_calls').keys()].sort().map((model) => {
    const tokensIn = n('model_tokens_in', model);
    const tokensOut = n('model_tokens_out', model);
    const audioSeconds = Math.round(keys('model_audio').get(model)?.amount ?? 0);
    const usd = card.modelCost(model, { tokensIn, tokensOut, seconds: audioSeconds });
    if (usd === null) unpriced += n('model_calls', model);
    else modelUsd += usd;
    return { model, calls: n('model_calls', model), tokensIn, tokensOut, audioSeconds, usd };
  });

  const orderValue = (metricKeys: Map<string, { n: number; amount: number }>) => fromMinor(metricKeys.get(p.currency)?.amount ?? 0, p.currency);
  const costs = await whatsappCosts(db, card, p);
  const month = p.from <= p.today && p.today <= p.to ? await monthForecast(db, card, { today: p.today }) : null;
  const usdByDay = new Map(costs.byDay.map((d) => [d.day, d.usd]));
  const daily = new Map<string, AnalyticsReport['daily'][number]>();
  for (const d of days) {
    const line = daily.get(d.day) ?? daily.set(d.day, { day: d.day, in: 0, out: 0, orders: 0, orderValue: 0, usd: usdByDay.get(d.day) ?? 0 }).get(d.day)!;
    if (d.metric === 'in') line.in = Number(d.n);
    if (d.metric === 'out_sent') line.out = Number(d.n);
    if (d.metric === 'orders') {
      line.orders = Number(d.n);
      line.orderValue = fromMinor(Number(d.amount), p.currency);
    }
  }
  const computed = await rollupComputedAt(db, p.from, p.to);

  return {
    from: p.from,
    to: p.to,
    timeZone: p.timeZone,
    currency: p.currency,
    asOf: computed?.toISOString() ?? null,
    messages: {
      in: n('in'),
      out: sent,
      voiceNotes: n('in', 'audio'),
      photos: n('in', 'image'),
      byType: Object.fromEntries([...keys('in')].map(([k, v]) => [k, v.n]).sort()),
    },
    delivery: { sent, delivered, read, failed, deliveryRate: rate(delivered, sent), readRate: rate(read, sent), failureRate: rate(failed, sent) },
    errors: [...keys('out_error')].map(([code, v]) => ({ code, count: v.n })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    answers: {
      expected: n('answer_base'),
      answered: n('answered'),
      responseRate: rate(n('answered'), n('answer_base')),
      p50Ms: percentile(answerHist, 0.5),
      p95Ms: percentile(answerHist, 0.95),
    },
    handoffs: {
      opened: n('handoffs'),
      taken: n('handoff_taken'),
      closed: n('handoff_closed'),
      replies: n('manager_replies'),
      firstResponseP50Ms: percentile(hist('handoff_first_ms'), 0.5),
      firstResponseP95Ms: percentile(hist('handoff_first_ms'), 0.95),
      resolutionP50Ms: percentile(hist('handoff_resolution_ms'), 0.5),
      resolutionP95Ms: percentile(hist('handoff_resolution_ms'), 0.95),
      managers,
    },
    funnel: FUNNEL.map((f) => ({ step: f.step, count: n(f.metric, f.key) })),
    orders: { count: n('orders'), value: orderValue(keys('orders')) },
    features: {
      voiceNotes: n('in', 'audio'),
      photos: n('in', 'image'),
      recommendationTaps: n('event', EVENT.recommendation_tap),
      listTaps: n('event', EVENT.list_tap),
      alertsSet: n('event', EVENT.alert_set),
      alertsFired: n('alerts_fired'),
    },
    consent: { stop: n('event', EVENT.opt_out), start: n('event', EVENT.opt_in), marketingCapped: n('out_error', '131049') },
    model: {
      calls: n('model_calls'),
      tokensIn: n('model_tokens_in'),
      tokensOut: n('model_tokens_out'),
      usd: Math.round(modelUsd * 1e6) / 1e6,
      unpriced,
      byModel,
    },
    templates,
    costs: { ...costs, month },
    daily: [...daily.values()],
  };
}

/** The report's tables, as the page shows them and CSV exports them: one home for their columns. */
export function reportTables(r: AnalyticsReport): Record<string, { columns: string[]; rows: Array<Array<string | number | null>> }> {
  return {
    summary: {
      columns: ['metric', 'value'],
      rows: [
        ['messages_in', r.messages.in],
        ['messages_out', r.messages.out],
        ['delivery_rate', r.delivery.deliveryRate],
        ['read_rate', r.delivery.readRate],
        ['failure_rate', r.delivery.failureRate],
        ['response_rate', r.answers.responseRate],
        ['answer_p50_ms', r.answers.p50Ms],
        ['answer_p95_ms', r.answers.p95Ms],
        ['handoffs', r.handoffs.opened],
        ['handoff_first_response_p50_ms', r.handoffs.firstResponseP50Ms],
        ['handoff_first_response_p95_ms', r.handoffs.firstResponseP95Ms],
        ['handoff_resolution_p50_ms', r.handoffs.resolutionP50Ms],
        ['orders', r.orders.count],
        ['order_value', r.orders.value],
        ['currency', r.currency],
        ['voice_notes', r.features.voiceNotes],
        ['photos', r.features.photos],
        ['recommendation_taps', r.features.recommendationTaps],
        ['stop', r.consent.stop],
        ['marketing_capped_131049', r.consent.marketingCapped],
        ['model_calls', r.model.calls],
        ['model_tokens_in', r.model.tokensIn],
        ['model_tokens_out', r.model.tokensOut],
        ['model_usd', r.model.usd],
        ['whatsapp_usd', r.costs.total.usd],
      ],
    },
    daily: {
      columns: ['day', 'messages_in', 'messages_out', 'orders', 'order_value', 'whatsapp_usd'],
      rows: r.daily.map((d) => [d.day, d.in, d.out, d.orders, d.orderValue, d.usd]),
    },
    funnel: { columns: ['step', 'count'], rows: r.funnel.map((f) => [f.step, f.count]) },
    templates: {
      columns: ['template', 'sent', 'delivered', 'read', 'failed', 'taps', 'delivery_rate', 'read_rate', 'failure_rate'],
      rows: r.templates.map((t) => [t.template, t.sent, t.delivered, t.read, t.failed, t.taps, t.deliveryRate, t.readRate, t.failureRate]),
    },
    errors: { columns: ['code', 'count'], rows: r.errors.map((e) => [e.code, e.count]) },
    managers: {
      columns: ['manager', 'name', 'taken', 'replies', 'closed', 'first_response_p50_ms', 'first_response_p95_ms', 'resolution_p50_ms'],
      rows: r.handoffs.managers.map((m) => [m.manager, m.name, m.taken, m.replies, m.closed, m.firstResponseP50Ms, m.firstResponseP95Ms, m.resolutionP50Ms]),
    },
    costs: {
      columns: ['template', 'category', 'messages', 'charged', 'unpriced', 'usd'],
      rows: r.costs.byTemplate.map((t) => [t.template ?? '', t.category, t.messages, t.charged, t.unpriced, t.usd]),
    },
    forecast: {
      columns: ['template', 'category', 'spent_usd', 'forecast_usd'],
      rows: r.costs.month ? r.costs.month.byTemplate.map((t) => [t.template ?? '', t.category, t.spent, t.forecast]) : [],
    },
    models: {
      columns: ['model', 'calls', 'tokens_in', 'tokens_out', 'audio_seconds', 'usd'],
      rows: r.model.byModel.map((m) => [m.model, m.calls, m.tokensIn, m.tokensOut, m.audioSeconds, m.usd]),
    },
  };
}

/** One table as CSV (RFC 4180: quoted when it holds a comma, quote or line break). */
export function toCsv(t: { columns: string[]; rows: Array<Array<string | number | null>> }): string {
  const cell = (v: string | number | null) => {
    // a text starting with = + - @ tab or CR is a formula to Excel and its kin: OWASP's CSV
    // injection advice is a leading ' inside quotes, so it reads as the text it is
    const formula = typeof v === 'string' && /^[=+\-@\t\r]/.test(v);
    const s = v === null ? '' : formula ? `'${v}` : String(v);
    return formula || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
