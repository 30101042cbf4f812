import type { Bitrix24Client } from '../../integrations/bitrix24/client.ts';
import { query, sql, type Db } from '../db/database.ts';
import type { Logger } from '../log.ts';

/**
 * Each escalation becomes a Bitrix24 lead. Escalations without a lead are retried on every run
 * (the job runs every minute); ORIGIN_ID makes a retry find the lead it already created.
 */
export async function runCrmSync(opts: { db: Db; crm: Bitrix24Client; log: Logger }): Promise<{ pending: number; created: number; failed: number }> {
  const rows = await query<{ id: number | string; shopper_key: string; reason: string; summary: string; name: string | null; wa_id: string | null }>(
    opts.db,
    sql`select e.id, e.shopper_key, e.reason, e.summary, s.name, s.wa_id from escalations e left join shoppers s on s.key = e.shopper_key
    where e.crm_lead_id is null order by e.id limit 100`,
  );
  let created = 0;
  let failed = 0;
  for (const r of rows) {
    const res = await opts.crm.addLead({
      originId: `vitrina-escalation-${r.id}`,
      title: `WhatsApp: ${r.reason}`.slice(0, 255),
      name: r.name ?? r.shopper_key,
      phone: r.wa_id,
      comments: r.summary,
    });
    if (res.ok) {
      await opts.db.execute(sql`update escalations set crm_lead_id = ${res.value} where id = ${Number(r.id)}`);
      created++;
    } else {
      failed++;
      opts.log.warn({ escalation: Number(r.id), error: res.error, retryable: res.retryable }, 'Bitrix24 lead not created; will retry');
    }
  }
  return { pending: rows.length, created, failed };
}
