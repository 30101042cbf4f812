import { encodePayload } from '../whatsapp/payloads.ts';
import { formatPrice } from '../catalog/money.ts';
import { asLang, type Lang } from '../lang.ts';
import { iso, query, sql, type Db } from '../db/database.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import { templateMessage, type MessageTemplate, type TemplateLang, type TemplateSet } from '../meta-templates/message-templates.ts';

export interface PriceAlertCounts {
  due: number;
  triggered: number;
  enqueued: number;
  backInStock: number;
}

const BATCH = 1000;

interface DueAlert {
  id: number | string;
  shopper_key: string;
  product_id: string;
  name: string;
  price: number | string;
  base_price: number | string;
  currency: string;
  language: string | null;
}

type Opts = { db: Db; now: Date; templates: TemplateSet; defaultLanguage: TemplateLang };

/**
 * Fires one kind of alert in batches: one set-based query finds the due alerts (locked with
 * SKIP LOCKED), and in the same transaction they are marked triggered and their template is
 * enqueued under an outbox key, so concurrent runs and retries never alert twice.
 */
async function fire(
  opts: Opts,
  t: MessageTemplate,
  due: ReturnType<typeof sql>,
  key: (a: DueAlert) => string,
  values: (a: DueAlert, lang: Lang) => Record<string, string>,
): Promise<{ triggered: number; enqueued: number }> {
  const total = { triggered: 0, enqueued: 0 };
  for (;;) {
    const n = await opts.db.transaction(async (tx) => {
      const rows = await query<DueAlert>(
        tx,
        sql`select a.id, a.shopper_key, a.product_id, p.name, p.price, a.base_price, p.currency, s.language
        from price_alerts a
        join products p on p.id = a.product_id
        left join shoppers s on s.key = a.shopper_key
        where a.status = 'active' and p.active and ${due}
        order by a.id
        limit ${BATCH}
        for update of a skip locked`,
      );
      if (!rows.length) return 0;
      await tx.execute(
        sql`update price_alerts set status = 'triggered', triggered_at = ${iso(opts.now)}::timestamptz
        where id in (select jsonb_array_elements_text(${JSON.stringify(rows.map((r) => Number(r.id)))}::jsonb)::bigint)`,
      );
      total.enqueued += await enqueueOutbound(
        tx,
        rows.map((r) => {
          const lang = asLang(r.language, opts.defaultLanguage);
          return {
            dedupeKey: key(r),
            shopperKey: r.shopper_key,
            message: templateMessage(t, lang, values(r, lang), [encodePayload({ kind: 'product', product: r.product_id }), encodePayload({ kind: 'manager' })]),
          };
        }),
        opts.now,
      );
      return rows.length;
    });
    total.triggered += n;
    if (n < BATCH) return total;
  }
}

const template = (set: TemplateSet, key: string) => {
  const t = set.get(key);
  if (!t) throw new Error(`template ${key} is missing`);
  return t;
};

/**
 * Active alerts whose product now costs at or under the target (and is in stock) send
 * `price_alert_notification` (key: alert + price); alerts set while the product was out of
 * stock send `back_in_stock` once it returns (key: alert).
 */
export async function runPriceAlerts(opts: Opts): Promise<PriceAlertCounts> {
  const drops = await fire(
    opts,
    template(opts.templates, 'price_alert_notification'),
    sql`a.kind <> 'stock' and p.price <= a.target_price and p.stock > 0`,
    (a) => `alert:${a.id}:${a.price}`,
    (a, lang) => ({
      product_name: a.name,
      new_price: formatPrice(Number(a.price), a.currency, lang),
      old_price: formatPrice(Number(a.base_price), a.currency, lang),
    }),
  );
  const back = await fire(
    opts,
    template(opts.templates, 'back_in_stock'),
    sql`a.kind = 'stock' and p.stock > 0`,
    (a) => `stock:${a.id}`,
    (a, lang) => ({ product_name: a.name, price: formatPrice(Number(a.price), a.currency, lang) }),
  );
  return { due: drops.triggered, triggered: drops.triggered, enqueued: drops.enqueued, backInStock: back.triggered };
}
