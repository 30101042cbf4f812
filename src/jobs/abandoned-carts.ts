import { formatPrice } from '../catalog/money.ts';
import { iso, query, sql, type Db } from '../db/database.ts';
import { asLang, type Lang } from '../lang.ts';
import { enqueueOutbound, insideWindow, type OutboundItem } from '../outbox/outbox-repo.ts';
import { say, type PhraseBook } from '../phrases.ts';
import { templateMessage, type TemplateSet } from '../meta-templates/message-templates.ts';
import * as wa from '../whatsapp/messages.ts';
import { encodePayload } from '../whatsapp/payloads.ts';
import { EVENT } from '../analytics/event-kinds.ts';

/** Meta's marketing frequency cap: not delivered "to maintain healthy ecosystem engagement". */
export const MARKETING_CAP_CODE = 131049;
/** After a 131049 the reminder waits this long, once; a second 131049 drops it. */
const CAP_BACKOFF_DAYS = 3;
const MAX_TRIES = 2;
const BATCH = 500;

export interface AbandonedCartCounts {
  due: number;
  /** Free-form inside the 24-hour window. */
  freeForm: number;
  /** The abandoned_cart marketing template, outside the window. */
  template: number;
  /** Outside the window and opted out of marketing: no reminder. */
  optedOut: number;
  /** Came back with 131049: tried again in days. */
  backedOff: number;
  /** A second 131049: dropped. */
  dropped: number;
}

interface DueCart {
  shopper_key: string;
  changed_at: string | Date;
  attempts: number;
  language: string | null;
  last_inbound_at: string | Date | null;
  opted_out: boolean;
  items: number | string;
  total: number | string;
  currency: string;
}

/**
 * One reminder per cart left without an order for `hours`: free-form inside the 24-hour
 * window, else the abandoned_cart marketing template, and only to a shopper who has not said
 * STOP. A reminder Meta refused with 131049 (the marketing cap) is not resent at once: it is
 * tried again after CAP_BACKOFF_DAYS, then dropped; both are recorded as analytics events. The
 * carts are claimed with SKIP LOCKED and every reminder is keyed by the cart's change time and
 * attempt, so concurrent runs and retries remind once.
 */
export async function runAbandonedCarts(opts: {
  db: Db;
  now: Date;
  hours: number;
  templates: TemplateSet;
  phrases: PhraseBook;
  defaultLanguage: Lang;
  managers: string[];
}): Promise<AbandonedCartCounts> {
  const counts: AbandonedCartCounts = { due: 0, freeForm: 0, template: 0, optedOut: 0, backedOff: 0, dropped: 0 };
  const now = iso(opts.now);

  // reminders Meta capped: back off by days, or drop after the last try
  const capped = await query<{ shopper_key: string; attempts: number }>(
    opts.db,
    sql`update carts c set reminded_at = case when c.reminder_attempts < ${MAX_TRIES} then null else c.reminded_at end,
        remind_after = case when c.reminder_attempts < ${MAX_TRIES} then ${now}::timestamptz + make_interval(days => ${CAP_BACKOFF_DAYS}) else c.remind_after end,
        reminder_key = null
      from outbox o
      where o.dedupe_key = c.reminder_key and o.status = 'failed' and o.error_code = ${MARKETING_CAP_CODE}
      returning c.shopper_key, c.reminder_attempts as attempts`,
  );
  if (capped.length) {
    const events = capped.map((c) => ({
      key: `cart-capped:${c.shopper_key}:${opts.now.getTime()}`,
      shopper: c.shopper_key,
      action: Number(c.attempts) < MAX_TRIES ? 'backoff' : 'dropped',
    }));
    await opts.db.execute(
      sql`insert into analytics_events (dedupe_key, shopper_key, kind, data, at)
      select x.key, x.shopper, ${EVENT.cart_reminder_capped}::text, jsonb_build_object('code', ${MARKETING_CAP_CODE}::int, 'action', x.action), ${now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as x(key text, shopper text, action text) on conflict do nothing`,
    );
    for (const e of events) counts[e.action === 'backoff' ? 'backedOff' : 'dropped']++;
  }

  const t = opts.templates.get('abandoned_cart');
  for (;;) {
    const n = await opts.db.transaction(async (tx) => {
      const rows = await query<DueCart>(
        tx,
        sql`with due as (
          select c.shopper_key, c.changed_at, c.reminder_attempts from carts c
          where c.reminded_at is null and c.changed_at <= ${now}::timestamptz - make_interval(hours => ${opts.hours})
            and (c.remind_after is null or c.remind_after <= ${now}::timestamptz)
            and c.shopper_key not in (select jsonb_array_elements_text(${JSON.stringify(opts.managers)}::jsonb))
            and exists (select 1 from cart_lines l where l.shopper_key = c.shopper_key)
          order by c.changed_at
          limit ${BATCH}
          for update of c skip locked
        )
        select d.shopper_key, d.changed_at, d.reminder_attempts as attempts, s.language, s.last_inbound_at, s.marketing_opt_out_at is not null as opted_out, t.items, t.total, t.currency
        from due d
        left join shoppers s on s.key = d.shopper_key
        cross join lateral (
          select coalesce(sum(l.quantity), 0) as items, coalesce(sum(l.quantity * p.price), 0) as total, min(p.currency) as currency
          from cart_lines l join products p on p.id = l.product_id and p.active and p.stock > 0 where l.shopper_key = d.shopper_key
        ) t
        order by d.changed_at`,
      );
      if (!rows.length) return 0;
      const items: OutboundItem[] = [];
      const keys: Array<{ shopper: string; key: string | null }> = [];
      for (const r of rows) {
        if (!Number(r.items)) {
          // nothing in it can be bought now: no reminder for this change of the cart
          keys.push({ shopper: r.shopper_key, key: null });
          continue;
        }
        const lang = asLang(r.language, opts.defaultLanguage);
        const vals = { count: String(Number(r.items)), total: formatPrice(Number(r.total), r.currency, lang) };
        const key = `cart:${r.shopper_key}:${new Date(r.changed_at).getTime()}:${Number(r.attempts) + 1}`;
        const open = insideWindow(r.last_inbound_at ? new Date(r.last_inbound_at) : null, opts.now);
        // the marketing template, for a shopper who has not said STOP
        const template =
          t && !r.opted_out ? templateMessage(t, lang, vals, [encodePayload({ kind: 'checkout' }), encodePayload({ kind: 'unsubscribe' })]) : null;
        if (!open && !template) {
          counts.optedOut++;
          keys.push({ shopper: r.shopper_key, key: null });
          continue;
        }
        counts[open ? 'freeForm' : 'template']++;
        // inside the window free-form; the outbox sends the template instead if the window has closed by send time
        const freeForm = wa.buttons({
          body: say(opts.phrases, lang, 'cart_reminder', vals),
          buttons: [
            { id: encodePayload({ kind: 'checkout' }), title: say(opts.phrases, lang, 'btn_checkout') },
            { id: encodePayload({ kind: 'cart' }), title: say(opts.phrases, lang, 'btn_cart') },
          ],
        });
        items.push(
          open
            ? { dedupeKey: key, shopperKey: r.shopper_key, message: freeForm, fallbackTemplate: template }
            : { dedupeKey: key, shopperKey: r.shopper_key, message: template! },
        );
        keys.push({ shopper: r.shopper_key, key });
      }
      await tx.execute(
        sql`update carts c set reminded_at = ${now}::timestamptz, reminder_attempts = c.reminder_attempts + 1, reminder_key = x.key
        from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as x(shopper text, key text) where c.shopper_key = x.shopper`,
      );
      await enqueueOutbound(tx, items, opts.now);
      return rows.length;
    });
    counts.due += n;
    if (n < BATCH) return counts;
  }
}
