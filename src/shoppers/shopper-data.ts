import { createHash, randomUUID } from 'node:crypto';
import { eq, inArray, or, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import { query, type Db } from '../db/database.ts';
import {
  analyticsEvents,
  cartLines,
  carts,
  escalations,
  inbox,
  messagePricing,
  messageStatuses,
  orders,
  outbox,
  preferences,
  priceAlerts,
  productViews,
  shoppers,
} from '../db/schema.ts';
import { readCart } from '../orders/cart-repo.ts';
import { listOrders } from '../orders/order-repo.ts';
import type { Logger } from '../log.ts';
import { shopperKvKeys, type Kv } from '../kv/kv.ts';
import { EVENT } from '../analytics/event-kinds.ts';

/**
 * A shopper's data on request, as Kazakhstan's and Russia's personal-data laws give a person the
 * right to see and erase what a business keeps about them. Found by phone number (with or without
 * "+"), shopper key or business-scoped user id.
 */
async function findShopper(db: Db, who: string) {
  const id = who.trim().replace(/^\+/, '');
  if (!id) return null;
  const [row] = await db
    .select()
    .from(shoppers)
    .where(or(eq(shoppers.key, id), eq(shoppers.waId, id), eq(shoppers.userId, who.trim())));
  return row ?? null;
}

/**
 * Everything we keep about the shopper, as JSON: profile, messages both ways, preferences,
 * alerts, escalations, views, orders (lines, address, name, invoice link), the cart and where
 * its checkout stands.
 */
export async function exportShopper(deps: { db: Db; kv: Kv; invoiceUrl: (token: string) => string }, who: string) {
  const { db } = deps;
  const shopper = await findShopper(db, who);
  if (!shopper) return null;
  const key = shopper.key;
  const [received, sent, prefs, alerts, handoffs, views, bought, cart, checkout] = await Promise.all([
    db
      .select({ wamid: inbox.wamid, type: inbox.type, message: inbox.message, at: inbox.receivedAt })
      .from(inbox)
      .where(eq(inbox.shopperKey, key))
      .orderBy(inbox.id),
    db
      .select({ wamid: outbox.wamid, message: outbox.payload, status: outbox.status, at: outbox.createdAt })
      .from(outbox)
      .where(eq(outbox.shopperKey, key))
      .orderBy(outbox.id),
    db.select({ data: preferences.data, updatedAt: preferences.updatedAt }).from(preferences).where(eq(preferences.shopperKey, key)),
    db.select().from(priceAlerts).where(eq(priceAlerts.shopperKey, key)).orderBy(priceAlerts.id),
    db
      .select({
        id: escalations.id,
        reason: escalations.reason,
        summary: escalations.summary,
        status: escalations.status,
        createdAt: escalations.createdAt,
        closedAt: escalations.closedAt,
      })
      .from(escalations)
      .where(eq(escalations.shopperKey, key))
      .orderBy(escalations.id),
    db.select({ productId: productViews.productId, at: productViews.at }).from(productViews).where(eq(productViews.shopperKey, key)).orderBy(productViews.at),
    listOrders(db, { shopperKey: key, limit: 10_000 }),
    readCart(db, key),
    db.select({ checkout: carts.checkout }).from(carts).where(eq(carts.shopperKey, key)),
  ]);
  const { key: _key, ...profile } = shopper;
  return {
    shopper: { key, ...profile },
    messages: [...received.map((m) => ({ direction: 'in' as const, ...m })), ...sent.map((m) => ({ direction: 'out' as const, ...m }))].sort(
      (a, b) => a.at.getTime() - b.at.getTime(),
    ),
    preferences: prefs[0]?.data ?? null,
    priceAlerts: alerts.map(({ shopperKey: _s, ...a }) => a),
    escalations: handoffs,
    productViews: views,
    orders: bought.reverse().map(({ id: _id, shopperKey: _s, invoiceToken, ...o }) => ({ ...o, invoice: deps.invoiceUrl(invoiceToken) })),
    cart: cart.map((l) => ({ productId: l.productId, name: l.product?.name ?? null, quantity: l.quantity, seenPrice: l.seenPrice })),
    checkout: checkout[0]?.checkout ?? null,
    exportedAt: new Date().toISOString(),
  };
}

/**
 * Erases the shopper's personal data in Postgres and the store in one transaction: messages,
 * their statuses, preferences, alerts, views, the cart, the shopper row and any raw webhook that
 * names them; their number and name wherever a message to or from someone else quoted them (a
 * manager's hand-off notice). Orders stay for the store's books — lines, totals, status — under
 * a random pseudonym, without the address, location or name, and their invoices are no longer
 * served; analytics events, escalations and Meta's pricing records stay for the counts under the
 * same pseudonym, with the words they held removed. The log line and the audit event carry
 * counts only. `test/security/forget.test.ts` scans every text column of every table.
 */
export async function forgetShopper(deps: { db: Db; kv: Kv; clock: Clock; log: Logger }, who: string) {
  const { db, kv, clock, log } = deps;
  const shopper = await findShopper(db, who);
  if (!shopper) return null;
  const key = shopper.key;
  const ids = [key, shopper.waId, shopper.userId].filter((x): x is string => !!x);
  const pseudonym = `forgotten:${createHash('sha256').update(randomUUID()).digest('hex').slice(0, 16)}`;
  const now = clock.now();
  const counts = await db.transaction(async (tx) => {
    const wamids = (await tx.select({ wamid: outbox.wamid }).from(outbox).where(eq(outbox.shopperKey, key)))
      .map((r) => r.wamid)
      .filter((w): w is string => !!w);
    const n = async (q: Promise<unknown[]>) => (await q).length;
    // how others' messages quoted them («Иван Тестов (77015550077)» to a manager): in a message
    // that names their number, the number and the name (as written inside JSON) become the
    // pseudonym; a name alone elsewhere may be anyone's and is left
    const quoted = [...ids, ...(shopper.name ? [JSON.stringify(shopper.name).slice(1, -1)] : [])];
    const scrub = (col: 'payload' | 'message') => quoted.reduce((expr, q) => sql`replace(${expr}, ${q}, ${pseudonym})`, sql`${sql.raw(col)}::text`);
    const mentions = (col: 'payload' | 'message') => or(...ids.map((q) => sql`strpos(${sql.raw(col)}::text, ${q}) > 0`))!;
    const statuses =
      (wamids.length ? await n(tx.delete(messageStatuses).where(inArray(messageStatuses.wamid, wamids)).returning({ w: messageStatuses.wamid })) : 0) +
      (await n(
        tx
          .delete(messageStatuses)
          .where(inArray(sql`${messageStatuses.raw}->>'recipient_id'`, ids))
          .returning({ w: messageStatuses.wamid }),
      ));
    const result = {
      messagesIn: await n(tx.delete(inbox).where(eq(inbox.shopperKey, key)).returning({ id: inbox.id })),
      messagesOut: await n(tx.delete(outbox).where(eq(outbox.shopperKey, key)).returning({ id: outbox.id })),
      statuses,
      preferences: await n(tx.delete(preferences).where(eq(preferences.shopperKey, key)).returning({ k: preferences.shopperKey })),
      priceAlerts: await n(tx.delete(priceAlerts).where(eq(priceAlerts.shopperKey, key)).returning({ id: priceAlerts.id })),
      productViews: await n(tx.delete(productViews).where(eq(productViews.shopperKey, key)).returning({ k: productViews.dedupeKey })),
      // raw webhooks kept for diagnosis (errors, rejected pieces) that mention them
      webhookEvents: (
        await query<{ id: number }>(tx, sql`delete from webhook_events where ${or(...ids.map((id) => sql`strpos(raw::text, ${id}) > 0`))} returning id`)
      ).length,
      escalations: await n(
        tx
          .update(escalations)
          .set({ shopperKey: pseudonym, reason: '', summary: '', updatedAt: now })
          .where(eq(escalations.shopperKey, key))
          .returning({ id: escalations.id }),
      ),
      analyticsEvents: await n(
        tx
          .update(analyticsEvents)
          .set({ shopperKey: pseudonym, data: sql`${analyticsEvents.data} - 'query' - 'reason' - 'change' - 'text'` })
          .where(eq(analyticsEvents.shopperKey, key))
          .returning({ id: analyticsEvents.id }),
      ),
      orders: await n(
        tx
          .update(orders)
          // an invoice token with ':' never matches /invoices/<token>.pdf: the invoice is not served
          .set({
            shopperKey: pseudonym,
            address: null,
            location: null,
            customerName: '',
            invoiceToken: sql`'forgotten:' || md5(random()::text || ${orders.id}::text)`,
            updatedAt: now,
          })
          .where(eq(orders.shopperKey, key))
          .returning({ id: orders.id }),
      ),
      cartLines: await n(tx.delete(cartLines).where(eq(cartLines.shopperKey, key)).returning({ p: cartLines.productId })),
      carts: await n(tx.delete(carts).where(eq(carts.shopperKey, key)).returning({ k: carts.shopperKey })),
      messagePricing: await n(
        tx.update(messagePricing).set({ recipient: pseudonym }).where(inArray(messagePricing.recipient, ids)).returning({ w: messagePricing.wamid }),
      ),
      quotedOut: (await query<{ id: number }>(tx, sql`update outbox set payload = (${scrub('payload')})::jsonb where ${mentions('payload')} returning id`))
        .length,
      quotedIn: (await query<{ id: number }>(tx, sql`update inbox set message = (${scrub('message')})::jsonb where ${mentions('message')} returning id`))
        .length,
      shopper: await n(tx.delete(shoppers).where(eq(shoppers.key, key)).returning({ k: shoppers.key })),
    };
    await tx.insert(analyticsEvents).values({ dedupeKey: `forget:${pseudonym}`, shopperKey: pseudonym, kind: EVENT.shopper_forgotten, data: result, at: now });
    return result;
  });
  let store_ = 'cleared';
  try {
    await kv.del(shopperKvKeys(key, now.getTime()));
  } catch (err) {
    // the cache expires by itself (context 30 days at most); Postgres, the record, is clean
    store_ = 'unreachable';
    log.warn({ err: String(err) }, 'forget: store unreachable; cached context expires on its own');
  }
  log.info({ pseudonym, ...counts, store: store_ }, 'shopper data erased on request');
  return { forgotten: true as const, pseudonym, erased: counts, store: store_ };
}
