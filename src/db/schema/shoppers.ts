import { sql } from 'drizzle-orm';
import { bigserial, bigint, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/* Shoppers and what they told us or did: preferences, product views, price alerts. */

/**
 * A shopper is keyed by `wa_id`, or by the business-scoped `user_id` when WhatsApp hides the
 * phone number (usernames, 2026). Once a key is chosen it stays; the other id is filled in later.
 */
export const shoppers = pgTable(
  'shoppers',
  {
    key: text('key').primaryKey(),
    waId: text('wa_id'),
    userId: text('user_id'),
    name: text('name'),
    phoneNumberId: text('phone_number_id'),
    lastInboundAt: ts('last_inbound_at'),
    /** ru, kk or en: the language templates go out in. */
    language: text('language'),
    /** Set by STOP / СТОП / ТОҚТА or Meta's 131050; cleared by START. Marketing is not sent while set. */
    marketingOptOutAt: ts('marketing_opt_out_at'),
    consentChangedAt: ts('consent_changed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('shoppers_user_id_idx').on(t.userId), index('shoppers_wa_id_idx').on(t.waId)],
);

/** What the shopper told us (budget, colours, style, sizes, categories); Redis caches it. */
export const preferences = pgTable('preferences', {
  shopperKey: text('shopper_key').primaryKey(),
  data: jsonb('data').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** Product views, keyed so a retried turn records a view once. */
export const productViews = pgTable(
  'product_views',
  {
    dedupeKey: text('dedupe_key').primaryKey(),
    shopperKey: text('shopper_key').notNull(),
    productId: text('product_id').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('product_views_shopper_idx').on(t.shopperKey, t.at), index('product_views_product_idx').on(t.productId)],
);

/** One active alert per shopper and product. `target_price` in minor units. */
export const priceAlerts = pgTable(
  'price_alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopperKey: text('shopper_key').notNull(),
    productId: text('product_id').notNull(),
    /** `stock`: the product was out of stock when set; fires back_in_stock when it returns. */
    kind: text('kind', { enum: ['any', 'percent', 'price', 'stock'] }).notNull(),
    percent: integer('percent'),
    basePrice: bigint('base_price', { mode: 'number' }).notNull(),
    targetPrice: bigint('target_price', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['active', 'triggered', 'cancelled'] })
      .notNull()
      .default('active'),
    createdAt: ts('created_at').notNull(),
    triggeredAt: ts('triggered_at'),
  },
  (t) => [
    uniqueIndex('price_alerts_active_uq').on(t.shopperKey, t.productId).where(sql`status = 'active'`),
    index('price_alerts_product_idx').on(t.productId, t.targetPrice).where(sql`status = 'active'`),
  ],
);
