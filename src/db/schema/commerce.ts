import { sql } from 'drizzle-orm';
import { bigserial, bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/* Buying: carts, checkout, orders with their lines and history. */

/**
 * A shopper's cart: one row per product. Quantities change by effects keyed to the message
 * (a redelivered "add" is dropped with its inbox row), so a retry cannot add twice.
 */
export const cartLines = pgTable(
  'cart_lines',
  {
    shopperKey: text('shopper_key').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    /** The price the shopper saw when adding (minor units): checkout says when it has changed. */
    seenPrice: bigint('seen_price', { mode: 'number' }).notNull(),
    addedAt: ts('added_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopperKey, t.productId] })],
);

/**
 * The cart's conversation state: where checkout stands (method, address, name, the step asked
 * next) and the abandoned-cart reminder (when it went, when it may be tried again after 131049).
 */
export const carts = pgTable(
  'carts',
  {
    shopperKey: text('shopper_key').primaryKey(),
    checkout: jsonb('checkout'),
    /** Last change to the lines: the abandoned-cart clock. */
    changedAt: ts('changed_at').notNull(),
    /** The reminder for the cart as it stood at `changed_at` was queued (or dropped) then. */
    remindedAt: ts('reminded_at'),
    /** After a 131049 (marketing cap): not before this. */
    remindAfter: ts('remind_after'),
    reminderAttempts: integer('reminder_attempts').notNull().default(0),
    /** The outbox key of the last reminder: its status (131049) decides a later try. */
    reminderKey: text('reminder_key'),
  },
  (t) => [index('carts_changed_idx').on(t.changedAt).where(sql`reminded_at is null`)],
);

/**
 * An order: the lines at the prices the shopper confirmed, how it is fulfilled, and where it
 * stands. `source_key` is the confirming message's effect key, so a redelivered tap, a crash or
 * two processes place it once. `number` is what people read and say.
 */
export const orders = pgTable(
  'orders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    number: text('number').notNull(),
    sourceKey: text('source_key').notNull(),
    shopperKey: text('shopper_key').notNull(),
    status: text('status', { enum: ['new', 'confirmed', 'paid', 'shipped', 'delivered', 'cancelled'] })
      .notNull()
      .default('new'),
    fulfilment: text('fulfilment', { enum: ['delivery', 'pickup'] }).notNull(),
    address: text('address'),
    location: jsonb('location'),
    customerName: text('customer_name').notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    language: text('language').notNull(),
    /** The payment link sent (CHECKOUT_URL filled in), null for pay on delivery. */
    paymentUrl: text('payment_url'),
    /** The invoice's unguessable address part: /invoices/<token>.pdf. */
    invoiceToken: text('invoice_token').notNull(),
    /** Bitrix24 deal made for it (integrations/bitrix24), null until then. */
    crmDealId: text('crm_deal_id'),
    /** When 1C took it (type=sale&mode=success); null while 1C has not. */
    exportedAt: ts('exported_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_number_uq').on(t.number),
    uniqueIndex('orders_source_uq').on(t.sourceKey),
    uniqueIndex('orders_invoice_uq').on(t.invoiceToken),
    index('orders_shopper_idx').on(t.shopperKey, t.id),
    index('orders_status_idx').on(t.status, t.id),
  ],
);

/** The lines of an order at the prices confirmed (minor units), with the name as it was. */
export const orderLines = pgTable(
  'order_lines',
  {
    orderId: bigint('order_id', { mode: 'number' }).notNull(),
    line: integer('line').notNull(),
    productId: text('product_id').notNull(),
    name: text('name').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
    quantity: integer('quantity').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.line] })],
);

/** Every status an order has had, who set it and when. */
export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: bigint('order_id', { mode: 'number' }).notNull(),
    status: text('status').notNull(),
    by: text('by').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id)],
);
