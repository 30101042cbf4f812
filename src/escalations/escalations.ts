import { iso, query, sql, type Tx } from '../db/database.ts';

export interface Escalation {
  id: number;
  shopperKey: string;
  reason: string;
  summary: string;
  status: 'open' | 'taken' | 'closed';
  takenBy: string | null;
  createdAt: Date;
}

const toEscalation = (r: Record<string, unknown>): Escalation => ({
  id: Number(r.id),
  shopperKey: String(r.shopper_key),
  reason: String(r.reason),
  summary: String(r.summary),
  status: r.status as Escalation['status'],
  takenBy: (r.taken_by as string | null) ?? null,
  createdAt: new Date(r.created_at as string),
});

const COLS = sql.raw('id, shopper_key, reason, summary, status, taken_by, created_at');

/** The shopper's open or taken escalation: while there is one, the bot stays quiet. */
export async function activeEscalation(db: Tx, shopperKey: string): Promise<Escalation | null> {
  const rows = await query<Record<string, unknown>>(db, sql`select ${COLS} from escalations where shopper_key = ${shopperKey} and status in ('open', 'taken')`);
  return rows[0] ? toEscalation(rows[0]) : null;
}

export async function listEscalations(db: Tx, status?: string): Promise<Escalation[]> {
  const rows = await query<Record<string, unknown>>(
    db,
    status ? sql`select ${COLS} from escalations where status = ${status} order by id` : sql`select ${COLS} from escalations order by id desc limit 200`,
  );
  return rows.map(toEscalation);
}

export async function getEscalation(db: Tx, id: number): Promise<Escalation | null> {
  const rows = await query<Record<string, unknown>>(db, sql`select ${COLS} from escalations where id = ${id}`);
  return rows[0] ? toEscalation(rows[0]) : null;
}

/** The escalation a manager currently owns (the most recently taken). */
export async function ownedBy(db: Tx, manager: string): Promise<Escalation | null> {
  const rows = await query<Record<string, unknown>>(db, sql`select ${COLS} from escalations where status = 'taken' and taken_by = ${manager} order by taken_at desc limit 1`);
  return rows[0] ? toEscalation(rows[0]) : null;
}

/** First taker wins: the update only matches while the escalation is still open. */
export async function takeEscalation(db: Tx, id: number, manager: string, now: Date): Promise<boolean> {
  const rows = await query<{ id: number }>(
    db,
    sql`update escalations set status = 'taken', taken_by = ${manager}, taken_at = ${iso(now)}::timestamptz, updated_at = ${iso(now)}::timestamptz
    where id = ${id} and status = 'open' returning id`,
  );
  return rows.length === 1;
}

export async function closeEscalation(db: Tx, id: number, now: Date): Promise<boolean> {
  const rows = await query<{ id: number }>(
    db,
    sql`update escalations set status = 'closed', closed_at = ${iso(now)}::timestamptz, updated_at = ${iso(now)}::timestamptz
    where id = ${id} and status in ('open', 'taken') returning id`,
  );
  return rows.length === 1;
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
      select 'in' as direction, received_at as at, message as body from inbox where shopper_key = ${shopperKey}
      union all
      select 'out' as direction, created_at as at, payload as body from outbox where shopper_key = ${shopperKey}
    ) x order by at desc, direction asc limit ${limit}`,
  );
  return rows
    .map((r) => {
      const b = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Record<string, any>;
      const text =
        b.text?.body ??
        b.interactive?.body?.text ??
        b.interactive?.list_reply?.title ??
        b.interactive?.button_reply?.title ??
        b.button?.text ??
        (b.template ? `[шаблон ${b.template.name}]` : `[${b.type}]`);
      return { direction: r.direction, at: new Date(r.at), text: String(text) };
    })
    .reverse();
}

/** Managers get shopper rows too, so the outbox can address them (phones from MANAGER_PHONES). */
export async function ensureManagers(db: Tx, phones: string[]): Promise<void> {
  for (const p of phones.map((x) => x.replace(/^\+/, ''))) {
    await db.execute(sql`insert into shoppers (key, wa_id) values (${p}, ${p}) on conflict (key) do nothing`);
  }
}
