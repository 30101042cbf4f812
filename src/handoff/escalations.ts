import { and, desc, eq, gte, inArray, isNotNull, isNull, like, lte, sql } from 'drizzle-orm';
import { query, type Tx } from '../db/database.ts';
import { escalations, inbox, outbox, shoppers } from '../db/schema.ts';

export interface Escalation {
  id: number;
  shopperKey: string;
  reason: string;
  summary: string;
  status: 'open' | 'taken' | 'closed';
  takenBy: string | null;
  createdAt: Date;
}

const COLS = {
  id: escalations.id,
  shopperKey: escalations.shopperKey,
  reason: escalations.reason,
  summary: escalations.summary,
  status: escalations.status,
  takenBy: escalations.takenBy,
  createdAt: escalations.createdAt,
};
const ACTIVE = inArray(escalations.status, ['open', 'taken']);

export async function listEscalations(db: Tx, status?: string): Promise<Escalation[]> {
  const q = db.select(COLS).from(escalations);
  return status ? q.where(eq(escalations.status, status as Escalation['status'])).orderBy(escalations.id) : q.orderBy(desc(escalations.id)).limit(200);
}

export async function getEscalation(db: Tx, id: number): Promise<Escalation | null> {
  const [row] = await db.select(COLS).from(escalations).where(eq(escalations.id, id));
  return row ?? null;
}

/** The escalation a manager currently owns (the most recently taken). */
export async function ownedBy(db: Tx, manager: string): Promise<Escalation | null> {
  const [row] = await db
    .select(COLS)
    .from(escalations)
    .where(and(eq(escalations.status, 'taken'), eq(escalations.takenBy, manager)))
    .orderBy(desc(escalations.takenAt))
    .limit(1);
  return row ?? null;
}

/** At most one open per shopper (a partial unique index): null when one is already open. */
export async function insertEscalation(tx: Tx, e: { shopperKey: string; reason: string; summary: string; at: Date }): Promise<number | null> {
  const [created] = await tx
    .insert(escalations)
    .values({ shopperKey: e.shopperKey, reason: e.reason, summary: e.summary, createdAt: e.at, updatedAt: e.at })
    .onConflictDoNothing()
    .returning({ id: escalations.id });
  return created?.id ?? null;
}

/** First taker wins: the update only matches while the escalation is still open. */
export async function takeEscalation(db: Tx, id: number, manager: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(escalations)
    .set({ status: 'taken', takenBy: manager, takenAt: now, updatedAt: now })
    .where(and(eq(escalations.id, id), eq(escalations.status, 'open')))
    .returning({ id: escalations.id });
  return rows.length === 1;
}

/** Closes an open or taken escalation; its shopper, or null when it was closed already. */
export async function closeEscalation(db: Tx, id: number, now: Date): Promise<string | null> {
  const rows = await db
    .update(escalations)
    .set({ status: 'closed', closedAt: now, updatedAt: now })
    .where(and(eq(escalations.id, id), ACTIVE))
    .returning({ shopperKey: escalations.shopperKey });
  return rows[0]?.shopperKey ?? null;
}

/** Open escalations created at or before `before`, with the shopper's name. */
export async function openSince(db: Tx, before: Date): Promise<Array<Escalation & { name: string | null }>> {
  return db
    .select({ ...COLS, name: shoppers.name })
    .from(escalations)
    .leftJoin(shoppers, eq(shoppers.key, escalations.shopperKey))
    .where(and(eq(escalations.status, 'open'), lte(escalations.createdAt, before)));
}

/** Closes escalations where neither side wrote since `before`; returns them. */
export async function closeQuiet(db: Tx, before: Date, now: Date): Promise<Array<{ id: number; shopperKey: string }>> {
  const rows = await query<{ id: number | string; shopper_key: string }>(
    db,
    sql`update escalations e set status = 'closed', closed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
    from shoppers s
    where s.key = e.shopper_key and e.status in ('open', 'taken')
      and greatest(e.updated_at, coalesce(s.last_inbound_at, e.updated_at)) <= ${before.toISOString()}::timestamptz
    returning e.id, e.shopper_key`,
  );
  return rows.map((r) => ({ id: Number(r.id), shopperKey: r.shopper_key }));
}

/** Escalations that have no CRM lead yet, oldest first, with the shopper's name and phone. */
export async function withoutLead(db: Tx, limit: number) {
  return db
    .select({
      id: escalations.id,
      shopperKey: escalations.shopperKey,
      reason: escalations.reason,
      summary: escalations.summary,
      name: shoppers.name,
      waId: shoppers.waId,
    })
    .from(escalations)
    .leftJoin(shoppers, eq(shoppers.key, escalations.shopperKey))
    .where(isNull(escalations.crmLeadId))
    .orderBy(escalations.id)
    .limit(limit);
}

export async function setLead(db: Tx, id: number, leadId: string): Promise<void> {
  await db.update(escalations).set({ crmLeadId: leadId }).where(eq(escalations.id, id));
}

/** A message either way (inbound webhook or outbound payload) as one line for a person to read. */
function lineText(b: Record<string, any>): string {
  const type = String(b.type ?? '');
  return String(
    b.text?.body ??
      b.interactive?.body?.text ??
      b.interactive?.list_reply?.title ??
      b.interactive?.button_reply?.title ??
      b.button?.text ??
      b[type]?.caption ??
      (b.template ? `[шаблон ${b.template.name}]` : `[${type}]`),
  );
}

export interface ConversationLine {
  direction: 'in' | 'out';
  at: Date;
  text: string;
}

/** The shopper's conversation (what they sent, what the bot and managers sent), oldest first. */
export async function conversation(db: Tx, shopperKey: string, limit = 100): Promise<ConversationLine[]> {
  const rows = await query<{ direction: 'in' | 'out'; at: string; body: Record<string, any> | string }>(
    db,
    sql`select * from (
      select 'in' as direction, received_at as at, id, message as body from inbox where shopper_key = ${shopperKey}
      union all
      select 'out' as direction, created_at as at, id, payload as body from outbox where shopper_key = ${shopperKey}
    ) x order by at desc, direction asc, id desc limit ${limit}`,
  );
  return rows
    .map((r) => {
      const b = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Record<string, any>;
      return { direction: r.direction, at: new Date(r.at), text: lineText(b) };
    })
    .reverse();
}

/**
 * What the shopper wrote since the latest message keyed `keyPrefix…` went out for them (its
 * `inbox_id` is the first message that waited), oldest first.
 */
export async function waitingSince(db: Tx, shopperKey: string, keyPrefix: string): Promise<string[]> {
  const [mark] = await db
    .select({ inboxId: outbox.inboxId })
    .from(outbox)
    .where(and(like(outbox.dedupeKey, `${keyPrefix}%`), isNotNull(outbox.inboxId)))
    .orderBy(desc(outbox.id))
    .limit(1);
  if (!mark?.inboxId) return [];
  const rows = await db
    .select({ type: inbox.type, message: inbox.message })
    .from(inbox)
    .where(and(eq(inbox.shopperKey, shopperKey), gte(inbox.id, mark.inboxId)))
    .orderBy(inbox.id)
    .limit(30);
  return rows.map((r) => lineText(r.message as Record<string, any>));
}
