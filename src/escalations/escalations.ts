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

/** Managers get shopper rows too, so the outbox can address them (phones from MANAGER_PHONES). */
export async function ensureManagers(db: Tx, phones: string[]): Promise<void> {
  for (const p of phones.map((x) => x.replace(/^\+/, ''))) {
    await db.execute(sql`insert into shoppers (key, wa_id) values (${p}, ${p}) on conflict (key) do nothing`);
  }
}
