import { sql, type Db } from '../src/db/database.ts';
import { addDays } from '../src/analytics/period.ts';

/**
 * A store's traffic written as the service records it — inbox, replies accepted by Meta with
 * statuses and Meta's pricing (service from 2026-10-01), templates with theirs, analytics
 * events, price alerts, hand-offs with manager replies, orders — set-based, a month per transaction, so a year of a busy store
 * (about a million messages) takes minutes, not hours. Deterministic: the same options write the
 * same rows. Times fall in the store's daytime (UTC+5 shops: 03:00–18:00 UTC).
 */
export interface SeedOptions {
  /** The first day (YYYY-MM-DD) and how many days. */
  from: string;
  days: number;
  /** Shoppers' inbound messages per day; each gets about one reply. */
  inboundPerDay: number;
  /** Templates the jobs send per day (alerts, arrivals, order updates), each priced by Meta. */
  templatesPerDay: number;
  shoppers: number;
  /** Manager numbers (their hand-offs and replies). */
  managers: string[];
}

export const YEAR_OF_A_BUSY_STORE: Omit<SeedOptions, 'from' | 'managers'> = { days: 365, inboundPerDay: 1320, templatesPerDay: 300, shoppers: 40_000 };

/** How many messages `opts` writes: inbound, replies (all but every 33rd and reactions) and templates. */
export function seededMessages(o: SeedOptions): number {
  let replies = 0;
  for (let i = 0; i < o.inboundPerDay; i++) if (i % 20 !== 3 && i % 33 !== 0) replies++;
  return o.days * (o.inboundPerDay + replies + o.templatesPerDay);
}

/** A number as an SQL integer (a bare parameter would be text). */
const int = (v: number) => sql`${v}::int`;

export async function seedTraffic(db: Db, o: SeedOptions): Promise<void> {
  const managers = JSON.stringify(o.managers.length ? o.managers : ['77000000001']);
  for (let start = 0; start < o.days; start += 31) {
    const days = Math.min(31, o.days - start);
    const d0 = addDays(o.from, start);
    const n = days * o.inboundPerDay;
    const t = days * o.templatesPerDay;
    const per = o.inboundPerDay;
    await db.transaction(async (tx) => {
      // i: the message's number in this chunk; its day is i / per; its time a spread over 15 daytime hours
      const atOf = (perDay: number) =>
        sql`((${d0}::date::timestamp at time zone 'UTC') + (g.i / ${int(perDay)}) * interval '1 day' + interval '3 hours' + ((g.i * 7919) % 54000) * interval '1 second')`;
      const at = atOf(per);
      const templateAt = atOf(o.templatesPerDay);
      const shopper = sql`('7705' || lpad(((g.i::bigint * 104729 + ${int(start)}) % ${int(o.shoppers)})::text, 7, '0'))`;
      await tx.execute(sql`insert into shoppers (key, wa_id, name, language, created_at)
        select ${shopper}, ${shopper}, 'Shopper', case when g.i % 5 = 0 then 'kk' else 'ru' end, ${d0}::date
        from generate_series(0, least(${int(n)}, ${int(o.shoppers)}) - 1) as g(i) on conflict do nothing`);
      await tx.execute(sql`insert into inbox (wamid, shopper_key, type, message, status, message_at, received_at, finished_at)
        select 'seed.in.' || ${int(start)} || '.' || g.i, ${shopper},
          case g.i % 20 when 0 then 'audio' when 1 then 'image' when 2 then 'button' when 3 then 'reaction' else 'text' end,
          case when g.i % 20 = 2 then jsonb_build_object('type', 'button', 'context', jsonb_build_object('id', 'seed.t.' || ${int(start)} || '.' || (g.i % ${int(Math.max(t, 1))})), 'button', jsonb_build_object('payload', 'x', 'text', 'Показать'))
            else jsonb_build_object('type', 'text') end,
          'done', ${at}, ${at}, ${at}
        from generate_series(0, ${int(n - 1)}) as g(i)`);
      // replies: all but reactions and every 33rd message; Meta accepts each 0.6–4.6 s after the message came
      await tx.execute(sql`insert into outbox (dedupe_key, shopper_key, inbox_id, payload, status, next_attempt_at, wamid, error_code, accepted_at, created_at, updated_at)
        select 'seed.r.' || i.wamid, i.shopper_key, i.id, '{"type":"text","text":{"body":"…"}}'::jsonb,
          case when i.id % 97 = 0 then 'failed' when i.id % 5 < 3 then 'read' else 'delivered' end, i.received_at, 'seed.r.' || i.wamid,
          case when i.id % 97 = 0 then 131026 end,
          i.received_at + (600 + (i.id * 131) % 4000) * interval '1 millisecond', i.received_at + interval '100 milliseconds', i.received_at
        from inbox i where i.wamid like ${`seed.in.${start}.%`} and i.type <> 'reaction' and (substr(i.wamid, length(${`seed.in.${start}.`}) + 1)::int) % 33 <> 0`);
      // since 2026-10-01 Meta bills each reply too: a service message at the market's rate
      await tx.execute(sql`insert into message_pricing (wamid, recipient, category, type, model, billable, at)
        select o.wamid, o.shopper_key, 'service', 'regular', 'PMP', true, o.accepted_at
        from outbox o where o.dedupe_key like ${`seed.r.seed.in.${start}.%`} and o.status <> 'failed' and o.accepted_at >= '2026-10-01'`);
      // templates: price alerts (marketing), new arrivals (marketing), order updates (utility)
      await tx.execute(sql`insert into outbox (dedupe_key, shopper_key, payload, status, next_attempt_at, wamid, error_code, accepted_at, created_at, updated_at)
        select case g.i % 3 when 0 then 'alert:' when 1 then 'arrivals:' else 'order:' end || 'seed.' || ${int(start)} || '.' || g.i, ${shopper},
          jsonb_build_object('type', 'template', 'template', jsonb_build_object('name', case g.i % 3 when 0 then 'price_alert_notification' when 1 then 'new_arrivals_notification' else 'order_shipped' end, 'language', jsonb_build_object('code', 'ru'))),
          case when g.i % 41 = 0 then 'failed' when g.i % 2 = 0 then 'read' else 'delivered' end, ${templateAt}, 'seed.t.' || ${int(start)} || '.' || g.i,
          case when g.i % 41 = 0 then 131049 end, ${templateAt}, ${templateAt}, ${templateAt}
        from generate_series(0, ${int(t - 1)}) as g(i)`);
      await tx.execute(sql`insert into message_pricing (wamid, recipient, category, type, model, billable, at)
        select 'seed.t.' || ${int(start)} || '.' || g.i, case when g.i % 10 = 0 then '7916' || lpad(g.i::text, 7, '0') else '7701' || lpad(g.i::text, 7, '0') end,
          case when g.i % 3 = 2 then 'utility' else 'marketing' end, case when g.i % 3 = 2 and g.i % 4 = 0 then 'free_customer_service' else 'regular' end, 'PMP', true, ${templateAt}
        from generate_series(0, ${int(t - 1)}) as g(i) where g.i % 41 <> 0`);
      // what shoppers did: searches, views, alerts, carts, recommendation taps, model calls, STOP
      await tx.execute(sql`insert into analytics_events (dedupe_key, shopper_key, kind, data, at)
        select 'seed.e.' || ${int(start)} || '.' || g.i || '.' || k.kind, ${shopper}, k.kind,
          case when k.kind = 'model_usage' then jsonb_build_object('model', 'gpt-4o-mini', 'calls', 2, 'promptTokens', 1800 + g.i % 700, 'completionTokens', 120 + g.i % 90) else '{}'::jsonb end, ${at}
        from generate_series(0, ${int(n - 1)}) as g(i)
        cross join lateral (values ('search', g.i % 20 > 4 and g.i % 3 <> 0), ('product_view', g.i % 4 = 1), ('alert_set', g.i % 37 = 5), ('cart_add', g.i % 29 = 7),
          ('recommendation_tap', g.i % 23 = 9), ('list_tap', g.i % 6 = 2), ('model_usage', g.i % 20 > 3), ('opt_out', g.i % 997 = 11)) as k(kind, happens)
        where k.happens`);
      await tx.execute(sql`insert into price_alerts (shopper_key, product_id, kind, base_price, target_price, status, created_at, triggered_at)
        select ${shopper}, 'seed-product-' || (g.i % 500), case when g.i % 7 = 0 then 'stock' else 'any' end, 100000, 99000, 'triggered', ${at} - interval '3 days', ${at}
        from generate_series(0, ${int(n - 1)}) as g(i) where g.i % 45 = 3`);
      await tx.execute(sql`insert into orders (number, source_key, shopper_key, fulfilment, customer_name, total, currency, language, invoice_token, created_at, updated_at)
        select 'S' || ${int(start)} || '-' || g.i, 'seed.o.' || ${int(start)} || '.' || g.i, ${shopper}, case when g.i % 2 = 0 then 'delivery' else 'pickup' end, 'Shopper',
          (4990000 + (g.i * 7907) % 30000000), 'KZT', 'ru', 'seed-' || ${int(start)} || '-' || g.i, ${at}, ${at}
        from generate_series(0, ${int(n - 1)}) as g(i) where g.i % 90 = 17`);
      // hand-offs: taken by a manager 1–10 minutes later, first reply 0.5–5 minutes after that, closed within hours
      await tx.execute(sql`insert into escalations (shopper_key, reason, status, taken_by, taken_at, closed_at, created_at, updated_at)
        select ${shopper}, 'seed', 'closed', m.phone, ${at} + (60 + g.i % 540) * interval '1 second', ${at} + (1800 + (g.i * 31) % 14400) * interval '1 second', ${at}, ${at}
        from generate_series(0, ${int(n - 1)}) as g(i)
        cross join lateral (select value as phone from jsonb_array_elements_text(${managers}::jsonb) with ordinality as x(value, k) where x.k = 1 + g.i % jsonb_array_length(${managers}::jsonb)) m
        where g.i % 130 = 21`);
      await tx.execute(sql`insert into analytics_events (dedupe_key, shopper_key, kind, data, at)
        select 'seed.mr.' || e.id || '.' || r.n, e.taken_by, 'manager_reply', jsonb_build_object('escalation', e.id, 'by', e.taken_by), e.taken_at + (30 + (e.id * 17 + r.n * 60) % 270) * interval '1 second'
        from escalations e cross join generate_series(0, 2) as r(n)
        where e.reason = 'seed' and e.created_at >= ${d0}::date and e.created_at < ${addDays(d0, days)}::date`);
    });
  }
}
