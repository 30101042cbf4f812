import { query, sql, type Tx } from '../db/database.ts';

/** Meta's "user opted out of marketing messages": recorded like a STOP. */
export const OPTED_OUT_CODE = 131050;

/** Meta's last reported status of a template in a language, or null when never reported. */
export async function templateStatus(db: Tx, name: string, language: string): Promise<string | null> {
  const rows = await query<{ status: string }>(db, sql`select status from templates where name = ${name} and language = ${language}`);
  return rows[0]?.status ?? null;
}
