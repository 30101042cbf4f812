import { formatPrice } from '../catalog/money.ts';
import { iso, query, sql, type Db } from '../db/database.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import { templateMessage, type TemplateLang, type TemplateSet } from '../templates/message-templates.ts';

export interface PriceAlertCounts {
  due: number;
  triggered: number;
  enqueued: number;
  backInStock: number;
}

const BATCH = 1000;

/**
 * Finds, in one set-based query, active alerts whose product now costs at or under the target
 * (and is in stock), marks them triggered and enqueues `price_alert_notification`, all in one
 * transaction per batch. Rows are locked with SKIP LOCKED and the outbox dedupe key is
 * (alert, price), so concurrent runs and retries never alert twice.
 */
export async function runPriceAlerts(opts: { db: Db; now: Date; templates: TemplateSet; defaultLanguage: TemplateLang }): Promise<PriceAlertCounts> {
  const t = opts.templates.get('price_alert_notification');
  if (!t) throw new Error('template price_alert_notification is missing');
  const counts: PriceAlertCounts = { due: 0, triggered: 0, enqueued: 0, backInStock: 0 };
  for (;;) {
    const batch = await opts.db.transaction(async (tx) => {
      const due = await query<{ id: number | string; shopper_key: string; product_id: string; name: string; price: number | string; base_price: number | string; currency: string; language: string | null }>(
        tx,
        sql`select a.id, a.shopper_key, a.product_id, p.name, p.price, a.base_price, p.currency, s.language
        from price_alerts a
        join products p on p.id = a.product_id
        left join shoppers s on s.key = a.shopper_key
        where a.status = 'active' and a.kind <> 'stock' and p.price <= a.target_price and p.stock > 0
        order by a.id
        limit ${BATCH}
        for update of a skip locked`,
      );
      if (!due.length) return 0;
      const ids = JSON.stringify(due.map((d) => Number(d.id)));
      await tx.execute(
        sql`update price_alerts set status = 'triggered', triggered_at = ${iso(opts.now)}::timestamptz
        where id in (select jsonb_array_elements_text(${ids}::jsonb)::bigint)`,
      );
      const items = due.map((d) => {
        const lang = (['ru', 'kk', 'en'].includes(d.language ?? '') ? d.language : opts.defaultLanguage) as TemplateLang;
        return {
          dedupeKey: `alert:${d.id}:${d.price}`,
          shopperKey: d.shopper_key,
          message: templateMessage(
            t,
            lang,
            {
              product_name: d.name,
              new_price: formatPrice(Number(d.price), d.currency),
              old_price: formatPrice(Number(d.base_price), d.currency),
            },
            [`product:${d.product_id}`, 'manager'],
          ),
        };
      });
      counts.enqueued += await enqueueOutbound(tx, items, opts.now);
      return due.length;
    });
    counts.due += batch;
    counts.triggered += batch;
    if (batch < BATCH) break;
  }
  counts.backInStock = await runBackInStock(opts);
  return counts;
}

/** Alerts set while a product was out of stock fire `back_in_stock` once it returns; same guarantees. */
async function runBackInStock(opts: { db: Db; now: Date; templates: TemplateSet; defaultLanguage: TemplateLang }): Promise<number> {
  const t = opts.templates.get('back_in_stock');
  if (!t) throw new Error('template back_in_stock is missing');
  let total = 0;
  for (;;) {
    const n = await opts.db.transaction(async (tx) => {
      const due = await query<{ id: number | string; shopper_key: string; product_id: string; name: string; price: number | string; currency: string; language: string | null }>(
        tx,
        sql`select a.id, a.shopper_key, a.product_id, p.name, p.price, p.currency, s.language
        from price_alerts a join products p on p.id = a.product_id left join shoppers s on s.key = a.shopper_key
        where a.status = 'active' and a.kind = 'stock' and p.stock > 0
        order by a.id limit ${BATCH}
        for update of a skip locked`,
      );
      if (!due.length) return 0;
      await tx.execute(
        sql`update price_alerts set status = 'triggered', triggered_at = ${iso(opts.now)}::timestamptz
        where id in (select jsonb_array_elements_text(${JSON.stringify(due.map((d) => Number(d.id)))}::jsonb)::bigint)`,
      );
      await enqueueOutbound(
        tx,
        due.map((d) => ({
          dedupeKey: `stock:${d.id}`,
          shopperKey: d.shopper_key,
          message: templateMessage(
            t,
            (['ru', 'kk', 'en'].includes(d.language ?? '') ? d.language : opts.defaultLanguage) as TemplateLang,
            { product_name: d.name, price: formatPrice(Number(d.price), d.currency) },
            [`product:${d.product_id}`, 'manager'],
          ),
        })),
        opts.now,
      );
      return due.length;
    });
    total += n;
    if (n < BATCH) return total;
  }
}
