import type { SQL } from 'drizzle-orm';
import { query, sql, type Db, type Tx } from '../db/database.ts';
import { addDays, localDay } from './period.ts';
import { EVENT } from './event-kinds.ts';

/**
 * The daily roll-up (`analytics_daily`): what the raw tables say, counted once per local day of
 * the store so a report over a year reads a few thousand rows instead of a million messages.
 * A day is rebuilt whole (deleted and counted again), so rebuilding is idempotent and late facts
 * (a `read` status two days later, a reply to yesterday's hand-off) land when their day is
 * rebuilt again: the job rebuilds the last `lateDays` days on every run.
 *
 * Metrics, each `(metric, key) → n [, amount]`:
 * - `in` by message type: shoppers' inbound messages (managers' own messages left out);
 * - `answer_base`, `answered`, `answer_ms` (key: a time bucket): shoppers' messages the bot
 *   was to answer (reactions and messages relayed to a manager left out), those it answered,
 *   and how long from our receiving it to Meta accepting the first reply;
 * - `out_sent`, `out_delivered`, `out_read`, `out_failed` by template ('' free-form), by the
 *   day the message was queued; `out_error` failed ones by Meta's error code;
 * - `event` by analytics event kind (search, product_view, alert_set, cart_add, order_placed,
 *   recommendation_tap, opt_out, …); `carts`: shoppers who added to a cart that day;
 * - `model_calls`, `model_tokens_in`, `model_tokens_out` by model; `model_audio` amount: seconds transcribed;
 * - `alerts_fired` by alert kind; `template_taps` by template (quick replies on a template we
 *   sent); `alert_taps`: taps on the alert job's messages;
 * - `orders` by currency, amount the total in minor units;
 * - `handoffs`, `handoff_taken` and `handoff_closed` by manager, `manager_replies` by manager,
 *   `handoff_first_ms` and `handoff_resolution_ms` keyed `manager|bucket`;
 * - `wa` keyed `country|category|charged|template`: what Meta said each message is charged as;
 * - `_computed`: when the day was built (n = epoch ms).
 *
 * Times are kept to two significant figures (`bucket`): 1 234 ms counts as 1 200, so a
 * percentile read from the buckets is within 5 % of the exact one.
 */
export interface RollupScope {
  timeZone: string;
  /** Manager numbers (shopper keys): their own messages are not shoppers' traffic. */
  managers: string[];
  /** Number prefixes and countries, longest first (the rate card's). */
  prefixes: Array<{ p: string; c: string }>;
}

/** Two significant figures of a non-negative millisecond count (SQL). */
const bucket = (ms: SQL) =>
  sql`(case when ${ms} < 100 then greatest(round(${ms}), 0) else round(${ms} / power(10, floor(log(${ms})) - 1)) * power(10, floor(log(${ms})) - 1) end)::bigint`;

/** The same rounding in JS: what a hand-counted fixture expects. */
export const bucketMs = (ms: number): number => {
  if (ms < 100) return Math.max(Math.round(ms), 0);
  const unit = 10 ** (Math.floor(Math.log10(ms)) - 1);
  return Math.round(ms / unit) * unit;
};

const ROLLUP_LOCK = 7_231_015;

/** Rebuilds the local days `from`…`to` (inclusive) in one transaction. */
export async function rebuildDays(db: Db, scope: RollupScope, from: string, to: string, now: Date): Promise<void> {
  const tz = scope.timeZone;
  const day = (col: SQL) => sql`(${col} at time zone ${tz})::date`;
  const within = (col: SQL) => sql`${col} >= (${from}::date::timestamp at time zone ${tz}) and ${col} < ((${to}::date + 1)::timestamp at time zone ${tz})`;
  const managers = sql`(select jsonb_array_elements_text(${JSON.stringify(scope.managers)}::jsonb))`;
  const put = (select: SQL) => sql`insert into analytics_daily (day, metric, key, n, amount) ${select}`;
  const statements: SQL[] = [
    put(sql`select ${day(sql`received_at`)}, 'in', type, count(*), 0 from inbox
      where ${within(sql`received_at`)} and shopper_key not in ${managers} group by 1, 3`),
    put(sql`select d, m.metric, m.key, count(*), 0 from (
        select ${day(sql`i.received_at`)} as d, r.first, coalesce(r.answered, false) as answered, i.received_at from inbox i
        cross join lateral (select min(o.accepted_at) filter (where o.shopper_key = i.shopper_key) as first,
            bool_or(o.shopper_key = i.shopper_key) as answered, bool_or(o.shopper_key <> i.shopper_key) as relayed
          from outbox o where o.inbox_id = i.id) r
        where ${within(sql`i.received_at`)} and i.shopper_key not in ${managers} and i.type <> 'reaction'
          and (coalesce(r.answered, false) or not coalesce(r.relayed, false))
        ) a
      cross join lateral (values ('answer_base', ''), ('answered', case when a.answered then '' end),
        ('answer_ms', case when a.first is not null then ${bucket(sql`extract(epoch from (a.first - a.received_at)) * 1000`)}::text end)) m(metric, key)
      where m.key is not null
      group by 1, 2, 3`),
    put(sql`select d, m.metric, g.template, m.n, 0 from (
        select ${day(sql`created_at`)} as d, coalesce(payload->'template'->>'name', '') as template,
          count(*) filter (where status not in ('pending', 'sending')) as sent,
          count(*) filter (where status in ('delivered', 'read')) as delivered,
          count(*) filter (where status = 'read') as read,
          count(*) filter (where status = 'failed') as failed
        from outbox where ${within(sql`created_at`)} group by 1, 2) g
      cross join lateral (values ('out_sent', g.sent), ('out_delivered', g.delivered), ('out_read', g.read), ('out_failed', g.failed)) m(metric, n)
      where m.n > 0`),
    put(sql`select ${day(sql`created_at`)}, 'out_error', coalesce(error_code::text, 'none'), count(*), 0 from outbox
      where ${within(sql`created_at`)} and status = 'failed' group by 1, 3`),
    put(sql`select ${day(sql`at`)}, 'event', kind, count(*), 0 from analytics_events
      where ${within(sql`at`)} and kind <> 'model_usage' group by 1, 3`),
    put(sql`select ${day(sql`at`)}, 'carts', '', count(distinct shopper_key), 0 from analytics_events
      where ${within(sql`at`)} and kind = ${EVENT.cart_add} group by 1`),
    put(sql`select d, m.metric, g.model, m.n, m.amount from (
        select ${day(sql`at`)} as d, coalesce(data->>'model', '') as model, sum(coalesce((data->>'calls')::bigint, 1)) as calls,
          sum(coalesce((data->>'promptTokens')::bigint, 0)) as tin, sum(coalesce((data->>'completionTokens')::bigint, 0)) as tout,
          sum(coalesce((data->>'seconds')::numeric, 0)) as seconds
        from analytics_events where ${within(sql`at`)} and kind = ${EVENT.model_usage} group by 1, 2) g
      cross join lateral (values ('model_calls', g.calls, 0), ('model_tokens_in', g.tin, 0), ('model_tokens_out', g.tout, 0), ('model_audio', 0, g.seconds)) m(metric, n, amount)
      where m.n > 0 or m.amount > 0`),
    put(sql`select ${day(sql`triggered_at`)}, 'alerts_fired', kind, count(*), 0 from price_alerts
      where ${within(sql`triggered_at`)} group by 1, 3`),
    put(sql`select d, m.metric, m.key, count(*), 0 from (
        select ${day(sql`i.received_at`)} as d, coalesce(o.payload->'template'->>'name', '') as template, o.dedupe_key ~ '^(alert|stock):' as alert
        from inbox i join outbox o on o.wamid = i.message->'context'->>'id'
        where ${within(sql`i.received_at`)} and i.type = 'button') t
      cross join lateral (values ('template_taps', t.template), ('alert_taps', case when t.alert then '' end)) m(metric, key)
      where m.key is not null group by 1, 2, 3`),
    put(sql`select ${day(sql`created_at`)}, 'orders', currency, count(*), sum(total) from orders
      where ${within(sql`created_at`)} group by 1, 3`),
    put(sql`select ${day(sql`created_at`)}, 'handoffs', '', count(*), 0 from escalations where ${within(sql`created_at`)} group by 1`),
    put(sql`select ${day(sql`taken_at`)}, 'handoff_taken', taken_by, count(*), 0 from escalations
      where ${within(sql`taken_at`)} and taken_by is not null group by 1, 3`),
    put(sql`select ${day(sql`closed_at`)}, 'handoff_closed', coalesce(taken_by, ''), count(*), 0 from escalations
      where ${within(sql`closed_at`)} group by 1, 3`),
    put(sql`select ${day(sql`at`)}, 'manager_replies', data->>'by', count(*), 0 from analytics_events
      where ${within(sql`at`)} and kind = ${EVENT.manager_reply} group by 1, 3`),
    // the first reply of each escalation, on the day it was written
    put(sql`select ${day(sql`f.at`)}, 'handoff_first_ms', f.by || '|' || ${bucket(sql`extract(epoch from (f.at - e.created_at)) * 1000`)}, count(*), 0
      from (select distinct on ((data->>'escalation')::bigint) (data->>'escalation')::bigint as id, data->>'by' as by, at
            from analytics_events where kind = ${EVENT.manager_reply} and at < ((${to}::date + 1)::timestamp at time zone ${tz})
            order by (data->>'escalation')::bigint, at) f
      join escalations e on e.id = f.id
      where ${within(sql`f.at`)} group by 1, 3`),
    put(sql`select ${day(sql`closed_at`)}, 'handoff_resolution_ms', coalesce(taken_by, '') || '|' || ${bucket(sql`extract(epoch from (closed_at - created_at)) * 1000`)}, count(*), 0
      from escalations where ${within(sql`closed_at`)} group by 1, 3`),
    put(sql`select d, 'wa', concat_ws('|', coalesce(country, ''), category, charged::int, template), count(*), 0 from (
        select ${day(sql`m.at`)} as d, m.category, case when m.type is not null then m.type = 'regular' else m.billable is true end as charged,
          coalesce(o.payload->'template'->>'name', '') as template,
          (select x.c from jsonb_to_recordset(${JSON.stringify(scope.prefixes)}::jsonb) as x(p text, c text) where m.recipient like x.p || '%' order by length(x.p) desc limit 1) as country
        from message_pricing m left join outbox o on o.wamid = m.wamid where ${within(sql`m.at`)}) w
      group by 1, 3`),
    put(sql`select d::date, '_computed', '', ${now.getTime()}, 0 from generate_series(${from}::date, ${to}::date, interval '1 day') as d`),
  ];
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ROLLUP_LOCK})`);
    // Postgres would JIT-compile these statements (their estimated cost is high) for ~300 ms
    // each, far longer than they run
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`delete from analytics_daily where day between ${from}::date and ${to}::date`);
    for (const s of statements) await tx.execute(s);
  });
}

/** The earliest local day anything was recorded, or null on a new store. */
async function firstDay(db: Tx, timeZone: string): Promise<string | null> {
  const [r] = await query<{ d: string | null }>(
    db,
    sql`select to_char(least((select received_at from inbox order by id limit 1), (select created_at from outbox order by id limit 1),
      (select at from analytics_events order by id limit 1)) at time zone ${timeZone}, 'YYYY-MM-DD') as d`,
  );
  return r?.d ?? null;
}

/**
 * The job's run: rebuilds from the last day built (or the first day anything happened, the first
 * time) to today, and the `lateDays` before it. The usual run goes a day per transaction, so on
 * PGlite (one connection) a webhook waits for one day's rebuild at most; a backfill goes a month
 * per transaction. Returns the days built.
 */
export async function refreshRollups(db: Db, scope: RollupScope, now: Date, lateDays: number): Promise<{ from: string | null; to: string; days: number }> {
  const today = localDay(now, scope.timeZone);
  const [last] = await query<{ d: string | null }>(db, sql`select to_char(max(day), 'YYYY-MM-DD') as d from analytics_daily where metric = '_computed'`);
  const start = last?.d ? addDays(last.d < today ? last.d : today, -lateDays) : await firstDay(db, scope.timeZone);
  if (!start) return { from: null, to: today, days: 0 };
  let days = 0;
  const step = start < addDays(today, -(lateDays + 1)) ? 31 : 1;
  for (let from = start; from <= today; from = addDays(from, step)) {
    const to = addDays(from, step - 1) < today ? addDays(from, step - 1) : today;
    await rebuildDays(db, scope, from, to, now);
    days += (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  }
  return { from: start, to: today, days };
}

export const rollupComputedAt = async (db: Tx, from: string, to: string): Promise<Date | null> => {
  const [r] = await query<{ n: string | number | null }>(
    db,
    sql`select min(n) as n from analytics_daily where metric = '_computed' and day between ${from}::date and ${to}::date`,
  );
  return r?.n == null ? null : new Date(Number(r.n));
};
