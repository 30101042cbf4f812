import type { CheckoutState } from '../orders/cart-repo.ts';
import type { Escalation } from '../handoff/escalations.ts';
import { randomUUID } from 'node:crypto';
import { iso, query, sql, type Tx } from '../db/database.ts';
import type { InboundMessage } from '../webhook/normalize.ts';
import type { inbox } from '../db/schema.ts';
import type { SqlRow } from '../db/sql-row.ts';

export interface InboxRow {
  id: number;
  wamid: string;
  shopperKey: string;
  phoneNumberId: string | null;
  type: string;
  message: Record<string, unknown>;
  contact: Record<string, unknown> | null;
  attempts: number;
  claimToken: string;
  messageAt: Date;
  receivedAt: Date;
  /**
   * What the turn needs to know of the shopper, read from Postgres (the record) with the claim,
   * so a turn spends no round trip on it: saved language, preferences, the open hand-off.
   */
  shopperLanguage: string | null;
  shopperPreferences: Record<string, unknown> | null;
  /** Where the shopper's checkout stands (carts.checkout), null when none is under way. */
  shopperCheckout: CheckoutState | null;
  activeEscalation: Escalation | null;
  /** Later text messages of the same burst, handled as one turn with this one. */
  merged: InboxRow[];
}

/** A claimed inbox row as the claim selects it, with what it reads of the shopper alongside. */
type RawInboxRow = Pick<
  SqlRow<typeof inbox.$inferSelect>,
  'id' | 'wamid' | 'shopper_key' | 'phone_number_id' | 'type' | 'message' | 'contact' | 'attempts' | 'message_at' | 'received_at'
> & {
  /** A claimed row holds its claim's token. */
  claim_token: string;
  shopper_language?: string | null;
  shopper_preferences?: Record<string, unknown> | string | null;
  shopper_checkout?: CheckoutState | string | null;
  active_escalation?: (Omit<Escalation, 'createdAt'> & { createdAt: string }) | string | null;
};

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const toEscalation = (e: Omit<Escalation, 'createdAt'> & { createdAt: string }): Escalation => ({ ...e, id: Number(e.id), createdAt: new Date(e.createdAt) });

function toRow(r: RawInboxRow): InboxRow {
  return {
    id: Number(r.id),
    wamid: r.wamid,
    shopperKey: r.shopper_key,
    phoneNumberId: r.phone_number_id,
    type: r.type,
    message: json(r.message),
    contact: r.contact === null ? null : json(r.contact),
    attempts: Number(r.attempts),
    claimToken: r.claim_token,
    messageAt: new Date(r.message_at),
    receivedAt: new Date(r.received_at),
    shopperLanguage: r.shopper_language ?? null,
    shopperPreferences: r.shopper_preferences ? json(r.shopper_preferences) : null,
    shopperCheckout: r.shopper_checkout ? json(r.shopper_checkout) : null,
    activeEscalation: r.active_escalation ? toEscalation(json(r.active_escalation)) : null,
    merged: [],
  };
}

/**
 * Inserts every message of one webhook POST in one statement: duplicates (same wamid) are
 * dropped, shoppers are upserted with their last inbound time (the 24-hour window), and a
 * username-only shopper keeps the key it was first seen with.
 * Rows get ids (arrival order) in the order given. Returns the wamids that were new.
 */
export async function insertInbound(db: Tx, messages: InboundMessage[], receivedAt: Date): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const batch = JSON.stringify(
    messages.map((m, i) => ({
      wamid: m.wamid,
      wa_id: m.waId,
      user_id: m.userId,
      name: m.name,
      pnid: m.phoneNumberId,
      type: m.type,
      message: m.message,
      contact: m.contact,
      at: m.at.toISOString(),
      ord: i,
    })),
  );
  const rows = await query<{ wamid: string }>(
    db,
    sql`with src as (
      select x.*, coalesce(
        (select s.key from shoppers s where x.user_id is not null and s.user_id = x.user_id limit 1),
        (select s.key from shoppers s where x.wa_id is not null and s.wa_id = x.wa_id limit 1),
        x.wa_id, x.user_id) as shopper_key
      from jsonb_to_recordset(${batch}::jsonb) as x(wamid text, wa_id text, user_id text, name text, pnid text,
        type text, message jsonb, contact jsonb, at timestamptz, ord int)
    ), ins as (
      insert into inbox (wamid, shopper_key, phone_number_id, type, message, contact, message_at, received_at)
      select wamid, shopper_key, pnid, type, message, contact, at, ${iso(receivedAt)}::timestamptz
      from (select distinct on (wamid) * from src order by wamid, ord) first_seen
      order by ord
      on conflict (wamid) do nothing
      returning wamid
    ), sh as (
      insert into shoppers (key, wa_id, user_id, name, phone_number_id, last_inbound_at)
      select shopper_key, max(wa_id), max(user_id), max(name), max(pnid), max(at) from src group by shopper_key
      on conflict (key) do update set
        wa_id = coalesce(excluded.wa_id, shoppers.wa_id),
        user_id = coalesce(excluded.user_id, shoppers.user_id),
        name = coalesce(excluded.name, shoppers.name),
        phone_number_id = coalesce(excluded.phone_number_id, shoppers.phone_number_id),
        last_inbound_at = greatest(excluded.last_inbound_at, shoppers.last_inbound_at)
    )
    select wamid from ins`,
  );
  return new Set(rows.map((r) => r.wamid));
}

/**
 * How many of the oldest open rows a claim looks at. Cost per claim is bounded by this, not by
 * the backlog; the price is that if more than this many open rows belong to shoppers who are
 * busy or backing off, other shoppers wait until those drain.
 */
export const CLAIM_WINDOW = 1000;

/**
 * Claims up to `limit` rows, each the oldest open row of its shopper, so one shopper's
 * messages are handled one at a time in arrival order. A `processing` row whose lease ran out
 * (its worker died) is claimable again. Safe with many processes (SKIP LOCKED). The oldest
 * open row of a shopper is always inside the window when any later one is, so looking for
 * heads only inside the window is exact.
 */
export async function claimInbound(db: Tx, opts: { now: Date; leaseMs: number; limit: number; debounceMs?: number }): Promise<InboxRow[]> {
  // A text waits out the debounce so that a burst ("привет" / "ищу диван" / "серый") is one turn.
  const settled = iso(new Date(opts.now.getTime() - (opts.debounceMs ?? 0)));
  const token = randomUUID();
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const now = iso(opts.now);
  const rows = await query<RawInboxRow>(
    db,
    sql`with win as (
      select id, shopper_key, status, not_before, lease_until, type, received_at from inbox
      where status in ('pending', 'processing') order by id limit ${CLAIM_WINDOW}
    ), heads as (
      select id, status, not_before, lease_until from (
        select w.*, row_number() over (partition by shopper_key order by id) as pos from win w
      ) ranked
      where pos = 1
        and (type <> 'text' or received_at <= ${settled}::timestamptz)
        and ((status = 'pending' and (not_before is null or not_before <= ${now}::timestamptz))
          or (status = 'processing' and lease_until < ${now}::timestamptz))
      order by id limit ${opts.limit}
    )
    update inbox i set status = 'processing', attempts = i.attempts + 1, lease_until = ${iso(leaseUntil)}::timestamptz, claim_token = ${token}
    where i.id in (
      select c.id from inbox c where c.id in (select id from heads)
        and ((c.status = 'pending' and (c.not_before is null or c.not_before <= ${now}::timestamptz))
          or (c.status = 'processing' and c.lease_until < ${now}::timestamptz))
      for update of c skip locked
    )
    returning i.id, i.wamid, i.shopper_key, i.phone_number_id, i.type, i.message, i.contact, i.attempts, i.claim_token, i.message_at, i.received_at,
      (select s.language from shoppers s where s.key = i.shopper_key) as shopper_language,
      (select p.data from preferences p where p.shopper_key = i.shopper_key) as shopper_preferences,
      (select c.checkout from carts c where c.shopper_key = i.shopper_key) as shopper_checkout,
      (select json_build_object('id', e.id, 'shopperKey', e.shopper_key, 'reason', e.reason, 'summary', e.summary, 'status', e.status, 'takenBy', e.taken_by, 'createdAt', e.created_at)
        from escalations e where e.shopper_key = i.shopper_key and e.status in ('open', 'taken')) as active_escalation`,
  );
  return rows.map(toRow).sort((a, b) => a.id - b.id);
}

/**
 * Takes the text messages that followed a claimed text head within `gapMs` of each other (a
 * burst) under the head's claim, so they are answered as one turn and finished with it. Rows a
 * dead worker had taken into the head's burst (processing, their lease run out with the head's)
 * are taken again, in order: skipping them would answer a later message before them.
 */
export async function claimBurst(db: Tx, head: InboxRow, opts: { now: Date; gapMs: number; max: number }): Promise<InboxRow[]> {
  if (head.type !== 'text' || opts.gapMs <= 0) return [];
  const now = iso(opts.now);
  const next = await query<{ id: number | string; type: string; received_at: string; free: boolean }>(
    db,
    sql`select id, type, received_at, (status = 'pending' or lease_until < ${now}::timestamptz) as free from inbox
    where shopper_key = ${head.shopperKey} and status in ('pending', 'processing') and id > ${head.id}
    order by id limit ${opts.max}`,
  );
  const ids: number[] = [];
  let last = head.receivedAt.getTime();
  for (const r of next) {
    const at = new Date(r.received_at).getTime();
    // a row another live claim holds ends the burst, like a gap or a tap
    if (!r.free || r.type !== 'text' || at - last > opts.gapMs || at > opts.now.getTime()) break;
    ids.push(Number(r.id));
    last = at;
  }
  if (!ids.length) return [];
  const rows = await query<RawInboxRow>(
    db,
    sql`update inbox set status = 'processing', attempts = attempts + 1, claim_token = ${head.claimToken},
      lease_until = (select lease_until from inbox where id = ${head.id})
    where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)
      and (status = 'pending' or (status = 'processing' and lease_until < ${now}::timestamptz))
    returning id, wamid, shopper_key, phone_number_id, type, message, contact, attempts, claim_token, message_at, received_at`,
  );
  return rows.map(toRow).sort((a, b) => a.id - b.id);
}

/** Marks the row done if we still hold it. False means the lease was lost: the caller must roll back. */
export async function finishInbound(db: Tx, row: InboxRow, status: 'done' | 'failed', now: Date, error?: string): Promise<boolean> {
  const rows = await query<{ id: number }>(
    db,
    sql`update inbox set status = ${status}, finished_at = ${iso(now)}::timestamptz, lease_until = null, claim_token = null,
      last_error = ${error ?? null}
    where id = ${row.id} and claim_token = ${row.claimToken} and status = 'processing' returning id`,
  );
  return rows.length === 1;
}

/**
 * Shutdown: gives a claimed row back at once, without counting the attempt, so another
 * process takes it now instead of after the lease. A turn still running here then loses its
 * commit (the claim token no longer matches): the reply is written once, by whoever finishes.
 */
export async function handBackInbound(db: Tx, row: InboxRow): Promise<boolean> {
  const rows = await query<{ id: number }>(
    db,
    sql`update inbox set status = 'pending', attempts = greatest(attempts - 1, 0), lease_until = null, claim_token = null
    where id = ${row.id} and claim_token = ${row.claimToken} and status = 'processing' returning id`,
  );
  return rows.length === 1;
}

/** Puts the row back for another try after `retryAt`, keeping its place at the head of the shopper's line. */
export async function releaseInbound(db: Tx, row: InboxRow, retryAt: Date, error: string): Promise<void> {
  await db.execute(
    sql`update inbox set status = 'pending', not_before = ${iso(retryAt)}::timestamptz, lease_until = null, claim_token = null, last_error = ${error}
    where id = ${row.id} and claim_token = ${row.claimToken} and status = 'processing'`,
  );
}
