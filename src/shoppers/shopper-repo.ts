import { eq } from 'drizzle-orm';
import { EVENT } from '../analytics/event-kinds.ts';
import { iso, query, sql, type SQL, type Tx } from '../db/database.ts';
import { priceAlerts, productViews, shoppers } from '../db/schema.ts';

/**
 * The `shoppers` table's writes and the reads that go with them, in one place. A shopper's row is
 * created by intake itself (src/inbox/inbox-repo.ts: the one statement that stores a webhook's
 * messages also upserts their senders, so a burst costs one round trip); everything after is here.
 */

/** What the shopper told us: budget, colours, styles, categories, sizes. */
export interface Preferences {
  /** Currency units. */
  budgetMax?: number;
  budgetMin?: number;
  colors: string[];
  styles: string[];
  categories: string[];
  sizes: string[];
}

/** What a turn leaves of its shopper: the language they write in, their preferences as the turn ends. */
export interface ShopperWrites {
  /** Templates (price alerts, new arrivals) go out in it. */
  language?: string;
  preferences?: { data: Preferences; at: Date };
}

/**
 * A batch of turns' shopper writes as CTEs of the statement that finishes their messages
 * (src/inbox/turn-writes.ts), each only for a turn whose inbox row `finished` (a set of inbox
 * ids) holds: the language and preferences go in with the finish or not at all, in one round
 * trip shared by the turns committing together. One turn per shopper is in flight at a time;
 * should two of a batch name one shopper, the later one's values win.
 */
export function shopperWritesCtes(turns: Array<{ inboxId: number; shopperKey: string } & ShopperWrites>, finished: SQL): SQL[] {
  const last = <T>(rows: Array<T & { key: string }>) => [...new Map(rows.map((r) => [r.key, r])).values()];
  const langs = last(turns.flatMap((t) => (t.language ? [{ inbox: t.inboxId, key: t.shopperKey, language: t.language }] : [])));
  const prefs = last(
    turns.flatMap((t) => (t.preferences ? [{ inbox: t.inboxId, key: t.shopperKey, data: t.preferences.data, at: iso(t.preferences.at) }] : [])),
  );
  const ctes: SQL[] = [];
  if (langs.length)
    ctes.push(sql`shopper_language as (
      update shoppers s set language = x.language from jsonb_to_recordset(${JSON.stringify(langs)}::jsonb) as x(inbox bigint, key text, language text)
      where s.key = x.key and x.inbox in ${finished})`);
  if (prefs.length)
    ctes.push(sql`shopper_preferences as (
      insert into preferences (shopper_key, data, updated_at)
      select x.key, x.data, x.at from jsonb_to_recordset(${JSON.stringify(prefs)}::jsonb) as x(inbox bigint, key text, data jsonb, at timestamptz)
      where x.inbox in ${finished}
      on conflict (shopper_key) do update set data = excluded.data, updated_at = excluded.updated_at)`);
  return ctes;
}

/** STOP / START, recorded with the time; marketing is checked against it at send time. */
export async function setMarketingConsent(db: Tx, shopperKey: string, optedOut: boolean, now: Date): Promise<void> {
  // a change of mind is counted (analytics: opt_out / opt_in) once; a repeated STOP only re-dates it
  const [was] = await query<{ out: boolean }>(db, sql`select marketing_opt_out_at is not null as out from shoppers where key = ${shopperKey}`);
  await db.execute(
    sql`update shoppers set marketing_opt_out_at = ${optedOut ? iso(now) : null}::timestamptz, consent_changed_at = ${iso(now)}::timestamptz
    where key = ${shopperKey}`,
  );
  if (was && was.out !== optedOut)
    await db.execute(
      sql`insert into analytics_events (dedupe_key, shopper_key, kind, data, at)
      values (${`consent:${shopperKey}:${iso(now)}`}, ${shopperKey}, ${optedOut ? EVENT.opt_out : EVENT.opt_in}, '{}'::jsonb, ${iso(now)}::timestamptz)
      on conflict do nothing`,
    );
}

export const markOptedOut = (db: Tx, shopperKey: string, now: Date) => setMarketingConsent(db, shopperKey, true, now);

/** When someone last wrote to us (null: never): a manager's 24-hour window. */
export async function lastInboundAt(db: Tx, key: string): Promise<Date | null> {
  const [row] = await db.select({ at: shoppers.lastInboundAt }).from(shoppers).where(eq(shoppers.key, key));
  return row?.at ?? null;
}

/** Managers get shopper rows too, so the outbox can address them. */
export async function ensureShoppers(db: Tx, phones: string[]): Promise<void> {
  if (phones.length)
    await db
      .insert(shoppers)
      .values(phones.map((p) => ({ key: p, waId: p })))
      .onConflictDoNothing();
}

/**
 * A price alert, one active per shopper and product: a new one replaces the active one's target
 * (a triggered or cancelled alert stays as history). Prices in minor units.
 */
export async function saveAlert(
  db: Tx,
  a: {
    shopperKey: string;
    productId: string;
    kind: (typeof priceAlerts.$inferInsert)['kind'];
    percent: number | null;
    basePrice: number;
    targetPrice: number;
    at: Date;
  },
): Promise<void> {
  const set = { kind: a.kind, percent: a.percent, basePrice: a.basePrice, targetPrice: a.targetPrice, createdAt: a.at };
  await db
    .insert(priceAlerts)
    .values({ shopperKey: a.shopperKey, productId: a.productId, ...set })
    .onConflictDoUpdate({ target: [priceAlerts.shopperKey, priceAlerts.productId], targetWhere: sql`status = 'active'`, set });
}

/** A product the shopper looked at, keyed so a retried turn records it once. */
export async function recordView(tx: Tx, key: string, shopper: string, productId: string, now: Date): Promise<void> {
  await tx.insert(productViews).values({ dedupeKey: key, shopperKey: shopper, productId, at: now }).onConflictDoNothing();
}
