import { iso, query, sql, type Tx } from '../db/database.ts';
import { EVENT } from '../analytics/event-kinds.ts';

/** Meta's "user opted out of marketing messages": recorded like a STOP. */
export const OPTED_OUT_CODE = 131050;

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

/** Meta's last reported status of a template in a language, or null when never reported. */
export async function templateStatus(db: Tx, name: string, language: string): Promise<string | null> {
  const rows = await query<{ status: string }>(db, sql`select status from templates where name = ${name} and language = ${language}`);
  return rows[0]?.status ?? null;
}
