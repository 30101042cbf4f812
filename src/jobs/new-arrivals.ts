import { encodePayload } from '../whatsapp/payloads.ts';
import { iso, query, sql, type Db } from '../db/database.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import { asLang } from '../lang.ts';
import { templateMessage, type TemplateLang, type TemplateSet } from '../meta-templates/message-templates.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** ISO week of a date, e.g. 2026-W47: the at-most-once-a-week key. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * Weekly: shoppers who have not opted out, have been quiet for 7 days or more, and have new
 * products (added in the last 7 days) in a category they prefer get `new_arrivals_notification`
 * — at most once a week (the outbox key is shopper + ISO week). Consent is checked again when
 * the message is sent.
 */
export async function runNewArrivals(opts: {
  db: Db;
  now: Date;
  templates: TemplateSet;
  defaultLanguage: TemplateLang;
}): Promise<{ candidates: number; enqueued: number }> {
  const t = opts.templates.get('new_arrivals_notification');
  if (!t) throw new Error('template new_arrivals_notification is missing');
  const since = iso(new Date(opts.now.getTime() - WEEK_MS));
  const rows = await query<{ key: string; name: string | null; language: string | null; category: string }>(
    opts.db,
    sql`select s.key, s.name, s.language, c.category
    from shoppers s
    join preferences pr on pr.shopper_key = s.key
    cross join lateral (
      select p.category from products p
      where p.created_at >= ${since}::timestamptz and p.stock > 0
        and p.category in (select jsonb_array_elements_text(pr.data -> 'categories'))
      group by p.category order by count(*) desc limit 1
    ) c
    where s.marketing_opt_out_at is null and s.last_inbound_at <= ${since}::timestamptz`,
  );
  const week = isoWeek(opts.now);
  const enqueued = await enqueueOutbound(
    opts.db,
    rows.map((r) => {
      const lang = asLang(r.language, opts.defaultLanguage);
      return {
        dedupeKey: `arrivals:${r.key}:${week}`,
        shopperKey: r.key,
        message: templateMessage(t, lang, { customer_name: r.name?.trim() || '🙂', category: r.category.toLowerCase() }, [
          encodePayload({ kind: 'arrivals', category: r.category }),
          encodePayload({ kind: 'unsubscribe' }),
        ]),
      };
    }),
    opts.now,
  );
  return { candidates: rows.length, enqueued };
}
