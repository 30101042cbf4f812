import { randomUUID } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { iso, query, sql, type Tx } from '../db/database.ts';
import { CLAIM_WINDOW } from '../inbox/inbox-repo.ts';
import type { StatusUpdate } from '../webhook/normalize.ts';
import type { OutboundMessage } from '../whatsapp/messages.ts';

export interface OutboundItem {
  /** Idempotency key: the same key never produces a second message. */
  dedupeKey: string;
  shopperKey: string;
  phoneNumberId?: string | null;
  inboxId?: number | null;
  message: OutboundMessage;
  /** Sent instead when the 24-hour window is closed; without it such a message fails with a reason. */
  fallbackTemplate?: OutboundMessage | null;
}

export interface OutboxRow {
  id: number;
  dedupeKey: string;
  shopperKey: string;
  phoneNumberId: string | null;
  payload: OutboundMessage;
  fallbackTemplate: OutboundMessage | null;
  attempts: number;
  claimToken: string;
  waId: string | null;
  userId: string | null;
  lastInboundAt: Date | null;
  marketingOptOutAt: Date | null;
}

export const WINDOW_CLOSED_CODE = 131047;
const WINDOW_MS = 24 * 3600 * 1000;

/** Free-form messages reach someone only within 24 hours of their last message to us. */
export const insideWindow = (lastInboundAt: Date | null, now: Date) => lastInboundAt !== null && now.getTime() - lastInboundAt.getTime() < WINDOW_MS;

/**
 * Sent with every message as `biz_opaque_callback_data`. If a process dies after Meta accepted
 * a message but before the wamid was stored, the status webhook carrying this value claims the
 * row, so the message is not sent a second time when its lease runs out.
 */
export const callbackDataFor = (outboxId: number) => `vt:${outboxId}`;
export const WINDOW_CLOSED_DETAIL = 'outside the 24-hour customer service window';
export const WINDOW_CLOSED_NO_TEMPLATE = `${WINDOW_CLOSED_DETAIL} and no template was given`;

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * The one outbox INSERT: items in order (ids follow it), duplicates by dedupe key dropped.
 * `onlyIf` is a condition on each item (its inbox row was finished) for it to go in.
 */
function insertOutbound(items: OutboundItem[], now: Date, onlyIf?: SQL): SQL {
  const batch = JSON.stringify(
    items.map((it, ord) => ({
      dedupe_key: it.dedupeKey,
      shopper_key: it.shopperKey,
      pnid: it.phoneNumberId ?? null,
      inbox_id: it.inboxId ?? null,
      payload: it.message,
      fallback: it.fallbackTemplate ?? null,
      ord,
    })),
  );
  return sql`insert into outbox (dedupe_key, shopper_key, phone_number_id, inbox_id, payload, fallback_template, next_attempt_at, created_at, updated_at)
      select dedupe_key, shopper_key, pnid, inbox_id, payload, fallback, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from jsonb_to_recordset(${batch}::jsonb) as x(dedupe_key text, shopper_key text, pnid text, inbox_id bigint, payload jsonb, fallback jsonb, ord int)
      ${onlyIf ? sql`where ${onlyIf}` : sql``}
      order by ord
      on conflict (dedupe_key) do nothing`;
}

/** Queues messages; returns how many were new (a repeated dedupe key adds nothing). */
export async function enqueueOutbound(db: Tx, items: OutboundItem[], now: Date): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await query<{ n: number | string }>(db, sql`with ins as (${insertOutbound(items, now)} returning id) select count(*) as n from ins`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Turns finished in one statement: each inbox row is marked done if still held, and only the
 * replies of rows that were go in — both or neither. Many turns at once is the group commit; a
 * turn with effects calls it inside its transaction. `also` adds the turns' own writes as CTEs
 * (src/inbox/turn-writes.ts), given the set of ids finished. Returns the ids finished (a row
 * whose lease was lost is not among them).
 */
export async function finishManyWithReplies(
  db: Tx,
  turns: Array<{ row: { id: number; claimToken: string }; status: 'done' | 'failed'; items: OutboundItem[]; error?: string }>,
  now: Date,
  also: (finished: SQL) => SQL[] = () => [],
): Promise<Set<number>> {
  const held = JSON.stringify(turns.map((t) => ({ id: t.row.id, token: t.row.claimToken, status: t.status, error: t.error ?? null })));
  const items = turns.flatMap((t) => t.items.map((it) => ({ ...it, inboxId: t.row.id })));
  const rows = await query<{ id: number | string }>(
    db,
    sql`with fin as (
      update inbox i set status = x.status, finished_at = ${iso(now)}::timestamptz, lease_until = null, claim_token = null, last_error = x.error
      from jsonb_to_recordset(${held}::jsonb) as x(id bigint, token text, status text, error text)
      where i.id = x.id and i.claim_token = x.token and i.status = 'processing' returning i.id
    ), ins as (${insertOutbound(items, now, sql`inbox_id in (select id from fin)`)})${sql.join(also(sql`(select id from fin)`).map((cte) => sql`, ${cte}`))}
    select id from fin`,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Claims due rows, each the oldest open row of its shopper, so a shopper's replies leave in
 * order. A `sending` row whose lease expired (its sender died mid-call) is claimable again.
 * Looks only at the oldest CLAIM_WINDOW open rows, like the inbox claim.
 */
export async function claimOutbound(
  db: Tx,
  opts: { now: Date; leaseMs: number; limit: number; exclude?: number[]; reclaimInDoubt?: boolean },
): Promise<OutboxRow[]> {
  const exclude = JSON.stringify(opts.exclude ?? []);
  const token = randomUUID();
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const rows = await query<Record<string, unknown>>(
    db,
    sql`with win as (
      select id, shopper_key from outbox where status in ('pending', 'sending') order by id limit ${CLAIM_WINDOW}
    ), heads as (
      select id from (select w.*, row_number() over (partition by shopper_key order by id) as pos from win w) ranked where pos = 1
    ), claimed as (
      update outbox o set status = 'sending', attempts = o.attempts + 1, lease_until = ${iso(leaseUntil)}::timestamptz, claim_token = ${token}
      where o.id in (
        select c.id from outbox c
        where c.id in (select id from heads)
          and c.id not in (select (jsonb_array_elements_text(${exclude}::jsonb))::bigint)
          and ((c.status = 'pending' and c.next_attempt_at <= ${iso(opts.now)}::timestamptz)
            or (c.status = 'sending' and c.lease_until < ${iso(opts.now)}::timestamptz and ${opts.reclaimInDoubt ?? true}))
        order by c.id
        limit ${opts.limit}
        for update of c skip locked
      )
      returning o.id, o.dedupe_key, o.shopper_key, o.phone_number_id, o.payload, o.fallback_template, o.attempts, o.claim_token
    )
    select c.*, s.wa_id, s.user_id, s.last_inbound_at, s.marketing_opt_out_at from claimed c left join shoppers s on s.key = c.shopper_key`,
  );
  return rows
    .map((r) => ({
      id: Number(r.id),
      dedupeKey: String(r.dedupe_key),
      shopperKey: String(r.shopper_key),
      phoneNumberId: (r.phone_number_id as string | null) ?? null,
      payload: json<OutboundMessage>(r.payload as OutboundMessage)!,
      fallbackTemplate: json<OutboundMessage>(r.fallback_template as OutboundMessage | null),
      attempts: Number(r.attempts),
      claimToken: String(r.claim_token),
      waId: (r.wa_id as string | null) ?? null,
      userId: (r.user_id as string | null) ?? null,
      lastInboundAt: r.last_inbound_at ? new Date(r.last_inbound_at as string) : null,
      marketingOptOutAt: r.marketing_opt_out_at ? new Date(r.marketing_opt_out_at as string) : null,
    }))
    .sort((a, b) => a.id - b.id);
}

const held = (row: OutboxRow) => sql`id = ${row.id} and claim_token = ${row.claimToken} and status = 'sending'`;

/**
 * Meta accepted the message. A status that raced ahead of this answer is applied in the same
 * statement; only then (rare) is the full status pass run for the 131047 fallback. Matched by
 * id, not by claim: Meta has the message, so the row is accepted even if its lease ran out
 * meanwhile (a database outage) and it went back to pending; that stops a second send.
 */
export async function markAccepted(db: Tx, row: OutboxRow, wamid: string, now: Date): Promise<void> {
  await markManyAccepted(db, [{ id: row.id, wamid }], now);
}

/** Meta accepted these messages (one statement for many sends: group commit). */
export async function markManyAccepted(db: Tx, sends: Array<{ id: number; wamid: string }>, now: Date): Promise<void> {
  const rows = await query<{ wamid: string; early: boolean }>(
    db,
    sql`update outbox o set status = 'accepted', wamid = x.wamid, lease_until = null, claim_token = null, updated_at = ${iso(now)}::timestamptz, accepted_at = ${iso(now)}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(sends)}::jsonb) as x(id bigint, wamid text)
    where o.id = x.id and o.wamid is null and o.status in ('pending', 'sending')
    returning o.wamid, exists (select 1 from message_statuses s where s.wamid = x.wamid) as early`,
  );
  const early = rows.filter((r) => r.early).map((r) => r.wamid);
  if (early.length) await applyStatuses(db, early, now);
}

export async function reschedule(db: Tx, row: OutboxRow, at: Date, now: Date, code: number | null, detail: string): Promise<void> {
  await db.execute(
    sql`update outbox set status = 'pending', next_attempt_at = ${iso(at)}::timestamptz, lease_until = null, claim_token = null,
      error_code = ${code}, error_detail = ${detail}, updated_at = ${iso(now)}::timestamptz
    where ${held(row)}`,
  );
}

export async function markFailed(db: Tx, row: OutboxRow, now: Date, code: number | null, detail: string): Promise<void> {
  await db.execute(
    sql`update outbox set status = 'failed', lease_until = null, claim_token = null, error_code = ${code}, error_detail = ${detail},
      updated_at = ${iso(now)}::timestamptz
    where ${held(row)}`,
  );
}

/** The window is closed: the row becomes its fallback template (kept on the row) and is sent as such. */
export async function swapToTemplate(db: Tx, row: OutboxRow, now: Date): Promise<void> {
  await db.execute(
    sql`update outbox set payload = fallback_template, fallback_template = null,
      error_detail = 'sent as template: outside the 24-hour customer service window', updated_at = ${iso(now)}::timestamptz
    where ${held(row)}`,
  );
}

// Statuses only move forward; Meta delivers them out of order. `failed` is final.
const rank = (col: ReturnType<typeof sql.raw>) =>
  sql`(case ${col} when 'accepted' then 1 when 'sent' then 2 when 'delivered' then 3 when 'read' then 4 when 'failed' then 9 else 0 end)`;

/** Records status webhooks (deduplicated on wamid+status) and moves the matching outbox rows. */
export async function recordStatuses(db: Tx, statuses: StatusUpdate[], now: Date): Promise<void> {
  if (statuses.length === 0) return;
  const batch = JSON.stringify(
    statuses.map((s) => ({
      wamid: s.wamid,
      status: s.status,
      at: s.at.toISOString(),
      code: s.errorCode,
      detail: s.errorDetail,
      callback: s.callback,
      raw: s.raw,
    })),
  );
  await db.execute(
    sql`insert into message_statuses (wamid, status, at, error_code, error_detail, callback, raw)
    select distinct on (wamid, status) wamid, status, at, code, detail, callback, raw
    from jsonb_to_recordset(${batch}::jsonb) as x(wamid text, status text, at timestamptz, code int, detail text, callback text, raw jsonb)
    order by wamid, status
    on conflict (wamid, status) do nothing`,
  );
  // What Meta charges each message as (its status's `pricing`), kept per message for the cost
  // report; the earliest status dates it. Typed leniently: a webhook is never refused for it.
  if (statuses.some((s) => typeof s.raw.pricing === 'object' && s.raw.pricing !== null))
    await db.execute(
      sql`insert into message_pricing (wamid, recipient, category, type, model, billable, at)
    select distinct on (wamid) wamid, raw->>'recipient_id', raw->'pricing'->>'category', raw->'pricing'->>'type', raw->'pricing'->>'pricing_model',
      case raw->'pricing'->'billable' when 'true'::jsonb then true when 'false'::jsonb then false end, at
    from jsonb_to_recordset(${batch}::jsonb) as x(wamid text, at timestamptz, raw jsonb)
    where jsonb_typeof(raw->'pricing') = 'object' and raw->'pricing'->>'category' is not null and raw->>'recipient_id' is not null
    order by wamid, at
    on conflict (wamid) do update set at = least(message_pricing.at, excluded.at)`,
    );
  // A send whose answer never reached us (crash, timeout) is claimed by its callback data.
  await db.execute(
    sql`update outbox o set wamid = x.wamid, status = 'accepted', lease_until = null, claim_token = null, updated_at = ${iso(now)}::timestamptz, accepted_at = ${iso(now)}::timestamptz
    from (select distinct on (callback) wamid,
            case when callback ~ '^vt:[0-9]{1,18}$' then substr(callback, 4)::bigint end as outbox_id
          from jsonb_to_recordset(${batch}::jsonb) as s(wamid text, callback text)
          where callback is not null order by callback) x
    where o.id = x.outbox_id and o.wamid is null and o.status in ('pending', 'sending')
      and not exists (select 1 from outbox w where w.wamid = x.wamid)`,
  );
  await applyStatuses(db, [...new Set(statuses.map((s) => s.wamid))], now);
}

/**
 * Moves outbox rows to the highest-ranked status recorded for their wamid. A late `failed`
 * 131047 is the closed window: the row's fallback template, if any, is enqueued once.
 */
export async function applyStatuses(db: Tx, wamids: string[], now: Date): Promise<void> {
  const ids = JSON.stringify(wamids);
  await db.execute(
    sql`update outbox o set status = best.status, updated_at = ${iso(now)}::timestamptz,
      error_code = coalesce(best.error_code, o.error_code),
      error_detail = case when best.error_code = ${WINDOW_CLOSED_CODE} then
        (case when o.fallback_template is null then ${WINDOW_CLOSED_NO_TEMPLATE} else ${WINDOW_CLOSED_DETAIL} || '; sent again as template' end) else coalesce(best.error_detail, o.error_detail) end
    from (
      select distinct on (wamid) wamid, status, error_code, error_detail from message_statuses
      where wamid in (select jsonb_array_elements_text(${ids}::jsonb))
        and status in ('sent', 'delivered', 'read', 'failed')
      order by wamid, ${rank(sql.raw('status'))} desc
    ) best
    where o.wamid = best.wamid and ${rank(sql.raw('best.status'))} > ${rank(sql.raw('o.status'))}`,
  );
  await db.execute(
    sql`insert into outbox (dedupe_key, shopper_key, phone_number_id, inbox_id, payload, next_attempt_at, created_at, updated_at)
    select o.dedupe_key || ':template', o.shopper_key, o.phone_number_id, o.inbox_id, o.fallback_template,
      ${iso(now)}::timestamptz, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
    from outbox o
    where o.wamid in (select jsonb_array_elements_text(${ids}::jsonb))
      and o.status = 'failed' and o.error_code = ${WINDOW_CLOSED_CODE} and o.fallback_template is not null
    on conflict (dedupe_key) do nothing`,
  );
}
