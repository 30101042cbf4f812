import { iso, query, sql, type Db } from '../db/database.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import { templateMessage, type TemplateSet } from '../templates/message-templates.ts';
import * as wa from '../whatsapp/messages.ts';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Escalations not taken within the SLA: every manager is reminded (escalation_new again, with
 * its "Взять") and the shopper is told, once each (outbox keys per escalation). Escalations
 * quiet for 24 h are closed and the shopper is back with the bot.
 */
export async function runEscalationSla(opts: { db: Db; now: Date; slaMinutes: number; managers: string[]; templates: TemplateSet }): Promise<{ reminded: number; closed: number }> {
  const late = await query<{ id: number | string; shopper_key: string; reason: string; summary: string; name: string | null }>(
    opts.db,
    sql`select e.id, e.shopper_key, e.reason, e.summary, s.name from escalations e left join shoppers s on s.key = e.shopper_key
    where e.status = 'open' and e.created_at <= ${iso(new Date(opts.now.getTime() - opts.slaMinutes * 60_000))}::timestamptz`,
  );
  const t = opts.templates.get('escalation_new');
  let reminded = 0;
  for (const e of late) {
    const items = [
      { dedupeKey: `esc:${e.id}:sla:shopper`, shopperKey: e.shopper_key, message: wa.text('Менеджеры сейчас заняты — ответим вам как можно скорее. Спасибо за терпение!') },
      ...(t
        ? opts.managers.map((phone) => ({
            dedupeKey: `esc:${e.id}:sla:${phone}`,
            shopperKey: phone.replace(/^\+/, ''),
            message: templateMessage(t, 'ru', { customer: `${e.name ?? ''} (${e.shopper_key})`.trim(), reason: `⏰ ждёт дольше ${opts.slaMinutes} мин: ${e.reason}`.slice(0, 200), summary: e.summary.slice(0, 700) || '—' }, [`take:${e.id}`]),
          }))
        : []),
    ];
    if ((await enqueueOutbound(opts.db, items, opts.now)) > 0) reminded++;
  }
  const quiet = await query<{ id: number | string; shopper_key: string }>(
    opts.db,
    sql`update escalations e set status = 'closed', closed_at = ${iso(opts.now)}::timestamptz, updated_at = ${iso(opts.now)}::timestamptz
    from shoppers s
    where s.key = e.shopper_key and e.status in ('open', 'taken')
      and greatest(e.updated_at, coalesce(s.last_inbound_at, e.updated_at)) <= ${iso(new Date(opts.now.getTime() - DAY_MS))}::timestamptz
    returning e.id, e.shopper_key`,
  );
  await enqueueOutbound(
    opts.db,
    quiet.map((e) => ({ dedupeKey: `esc:${e.id}:auto-closed`, shopperKey: e.shopper_key, message: wa.text('Разговор с менеджером завершён. Я снова на связи — чем помочь?') })),
    opts.now,
  );
  return { reminded, closed: quiet.length };
}
