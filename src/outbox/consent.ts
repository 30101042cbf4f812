import { iso, query, sql, type Tx } from '../db/database.ts';

/** Meta's "user opted out of marketing messages": recorded like a STOP. */
export const OPTED_OUT_CODE = 131050;

/** STOP / START, recorded with the time; marketing is checked against it at send time. */
export async function setMarketingConsent(db: Tx, shopperKey: string, optedOut: boolean, now: Date): Promise<void> {
  await db.execute(
    sql`update shoppers set marketing_opt_out_at = ${optedOut ? iso(now) : null}::timestamptz, consent_changed_at = ${iso(now)}::timestamptz
    where key = ${shopperKey}`,
  );
}

export const markOptedOut = (db: Tx, shopperKey: string, now: Date) => setMarketingConsent(db, shopperKey, true, now);

/** Meta's last reported status of a template in a language, or null when never reported. */
export async function templateStatus(db: Tx, name: string, language: string): Promise<string | null> {
  const rows = await query<{ status: string }>(db, sql`select status from templates where name = ${name} and language = ${language}`);
  return rows[0]?.status ?? null;
}
