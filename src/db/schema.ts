import { sql } from 'drizzle-orm';
import {
  bigserial,
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

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

/** Durable inbox: one row per inbound wamid. `id` is the arrival order. */
export const inbox = pgTable(
  'inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    wamid: text('wamid').notNull(),
    shopperKey: text('shopper_key').notNull(),
    phoneNumberId: text('phone_number_id'),
    type: text('type').notNull(),
    message: jsonb('message').notNull(),
    contact: jsonb('contact'),
    status: text('status', { enum: ['pending', 'processing', 'done', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: ts('not_before'),
    leaseUntil: ts('lease_until'),
    claimToken: text('claim_token'),
    lastError: text('last_error'),
    messageAt: ts('message_at').notNull(),
    receivedAt: ts('received_at').notNull(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    uniqueIndex('inbox_wamid_uq').on(t.wamid),
    index('inbox_open_by_shopper_idx').on(t.shopperKey, t.id).where(sql`status in ('pending', 'processing')`),
    index('inbox_open_idx').on(t.id).where(sql`status in ('pending', 'processing')`),
    index('inbox_received_idx').on(t.receivedAt),
  ],
);

/**
 * Outbox and message log. `dedupe_key` makes every enqueue idempotent (a retried turn or job
 * cannot write the same reply twice). Status moves forward only: accepted → sent → delivered → read,
 * or failed with Meta's code.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    shopperKey: text('shopper_key').notNull(),
    phoneNumberId: text('phone_number_id'),
    inboxId: bigint('inbox_id', { mode: 'number' }),
    payload: jsonb('payload').notNull(),
    fallbackTemplate: jsonb('fallback_template'),
    status: text('status', {
      enum: ['pending', 'sending', 'accepted', 'sent', 'delivered', 'read', 'failed'],
    })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    leaseUntil: ts('lease_until'),
    claimToken: text('claim_token'),
    wamid: text('wamid'),
    errorCode: integer('error_code'),
    errorDetail: text('error_detail'),
    /** When Meta first accepted it (the answer time's end); null before then and for rows older than 0013. */
    acceptedAt: ts('accepted_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_uq').on(t.dedupeKey),
    index('outbox_inbox_idx').on(t.inboxId).where(sql`inbox_id is not null`),
    index('outbox_created_idx').on(t.createdAt),
    uniqueIndex('outbox_wamid_uq').on(t.wamid),
    index('outbox_open_by_shopper_idx').on(t.shopperKey, t.id).where(sql`status in ('pending', 'sending')`),
    index('outbox_open_idx').on(t.nextAttemptAt).where(sql`status in ('pending', 'sending')`),
  ],
);

/** Every status webhook, deduplicated on (wamid, status); kept even when the wamid is not known yet. */
export const messageStatuses = pgTable(
  'message_statuses',
  {
    wamid: text('wamid').notNull(),
    status: text('status').notNull(),
    at: ts('at').notNull(),
    errorCode: integer('error_code'),
    errorDetail: text('error_detail'),
    /** `biz_opaque_callback_data` we sent ("vt:<outbox id>"): ties a status to a send whose answer was lost. */
    callback: text('callback'),
    raw: jsonb('raw').notNull(),
  },
  (t) => [primaryKey({ columns: [t.wamid, t.status] })],
);

/** Asynchronous `errors[]` from webhooks, and signed changes we could not use. */
export const webhookEvents = pgTable('webhook_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind', { enum: ['error', 'rejected', 'unknown_field'] }).notNull(),
  field: text('field'),
  code: integer('code'),
  detail: text('detail'),
  raw: jsonb('raw').notNull(),
  receivedAt: ts('received_at').notNull(),
});

/** Meta's view of each template (name, language); updated by status webhooks and sync. */
export const templates = pgTable(
  'templates',
  {
    name: text('name').notNull(),
    language: text('language').notNull(),
    metaId: text('meta_id'),
    category: text('category'),
    status: text('status').notNull(),
    reason: text('reason'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.language] })],
);

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * The catalog. `id` is the store's SKU (also the WhatsApp retailer id). Prices are minor units
 * (tiyn for KZT); files and the API speak currency units. `search` is a weighted tsvector
 * (name; category, brand, colour, style, material, tags and attribute values; description)
 * built by a trigger in each text-search configuration the store's languages choose, plus
 * `simple` for exact words, model numbers and Kazakh.
 */
export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').notNull().default(''),
    brand: text('brand').notNull().default(''),
    color: text('color').notNull().default(''),
    style: text('style').notNull().default(''),
    material: text('material').notNull().default(''),
    price: bigint('price', { mode: 'number' }).notNull(),
    oldPrice: bigint('old_price', { mode: 'number' }),
    currency: text('currency').notNull(),
    stock: integer('stock').notNull().default(0),
    imageUrl: text('image_url'),
    url: text('url'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** false: gone from the store's feed but kept, because alerts or orders name it. */
    active: boolean('active').notNull().default(true),
    /** A variant (1C's `товар#характеристика`) names the product it is a variant of. */
    parentId: text('parent_id'),
    /** Who keeps this product current: null (files, the admin API) or '1c'. */
    source: text('source'),
    /** When the store's own system last mentioned it: 1C's `deactivate` hides what an exchange did not. */
    syncedAt: ts('synced_at'),
    /** Stock per warehouse as the store's system reports it (name → quantity); `stock` is their total. */
    stockPlaces: jsonb('stock_places'),
    /** Set by the products_search trigger with the store's text-search configurations (catalog_settings). */
    search: tsvector('search'),
  },
  (t) => [
    index('products_search_idx').using('gin', t.search),
    // filters compare lower(...) so "диваны" and "Диваны" are the same category
    index('products_category_price_idx').on(sql`lower(${t.category})`, t.price, t.id),
    index('products_color_idx').on(sql`lower(${t.color})`),
    // "red armchairs": the commonest pair of filters, read in price order without walking other colours
    index('products_category_color_price_idx').on(sql`lower(${t.category})`, sql`lower(${t.color})`, t.price, t.id),
    index('products_price_idx').on(t.price),
    // a product's variants, read for every search result and card that shows one
    index('products_parent_idx').on(t.parentId).where(sql`${t.parentId} is not null`),
  ],
);

/**
 * A product's embedding for semantic search (with a model): the vector of its words (name,
 * category, brand, fields, tags, the start of its description) as float32 little-endian, and the
 * hash of those words with the model and dimensions, so a product is embedded again only when
 * they change. Shared by every process through the database; no pgvector needed.
 */
export const productEmbeddings = pgTable('product_embeddings', {
  productId: text('product_id').primaryKey(),
  wordsHash: text('words_hash').notNull(),
  vector: bytea('vector').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every price a product has had; written by every upsert that changes the price. */
export const priceHistory = pgTable(
  'price_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    productId: text('product_id').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
    oldPrice: bigint('old_price', { mode: 'number' }),
    at: ts('at').notNull(),
  },
  (t) => [index('price_history_product_idx').on(t.productId, t.at)],
);

/** Words of the catalog, for the trigram "did you mean". */
export const catalogTerms = pgTable('catalog_terms', { term: text('term').primaryKey() }, (t) => [
  index('catalog_terms_trgm_idx').using('gin', t.term.op('gin_trgm_ops')),
]);

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

/** What the shopper told us (budget, colours, style, sizes, categories); Redis caches it. */
export const preferences = pgTable('preferences', {
  shopperKey: text('shopper_key').primaryKey(),
  data: jsonb('data').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** Searches, views, taps, alerts, offline answers, escalations, model usage. */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupeKey: text('dedupe_key'),
    shopperKey: text('shopper_key'),
    kind: text('kind').notNull(),
    data: jsonb('data').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [uniqueIndex('analytics_dedupe_uq').on(t.dedupeKey), index('analytics_kind_at_idx').on(t.kind, t.at), index('analytics_at_idx').on(t.at)],
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

/** A conversation handed to a person; at most one open per shopper. */
export const escalations = pgTable(
  'escalations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopperKey: text('shopper_key').notNull(),
    reason: text('reason').notNull(),
    summary: text('summary').notNull().default(''),
    status: text('status', { enum: ['open', 'taken', 'closed'] })
      .notNull()
      .default('open'),
    /** Who took it: a manager's phone, or a console user. */
    takenBy: text('taken_by'),
    takenAt: ts('taken_at'),
    closedAt: ts('closed_at'),
    /** Bitrix24 lead created for it (integrations/bitrix24), null until then. */
    crmLeadId: text('crm_lead_id'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [uniqueIndex('escalations_open_uq').on(t.shopperKey).where(sql`status in ('open', 'taken')`)],
);

/**
 * Cron ticks claimed across processes: the first process to insert (job, tick) runs it. In
 * Postgres, not Redis, so jobs run while Redis is away; rows older than a day are pruned.
 */
export const jobTicks = pgTable(
  'job_ticks',
  {
    job: text('job').notNull(),
    tick: ts('tick').notNull(),
    claimedAt: ts('claimed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.tick] })],
);

/** One run of a job at a time across processes: a lease that a crashed holder cannot keep. */
export const jobLocks = pgTable('job_locks', {
  job: text('job').primaryKey(),
  holder: text('holder').notNull(),
  lockedUntil: ts('locked_until').notNull(),
});

/** Catalog-wide settings the database itself reads (the search trigger's configurations). */
export const catalogSettings = pgTable('catalog_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

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

/**
 * A catalog exchange: a 1C session (its cookie is the id), a feed pull or a file import. What it
 * changed (`counts`) and why it failed (`error`) are what the operator reads in /readyz, the
 * console and the metrics. `orders`: the orders the last `type=sale&mode=query` handed 1C,
 * marked exported by `mode=success`.
 */
export const catalogExchanges = pgTable(
  'catalog_exchanges',
  {
    id: text('id').primaryKey(),
    source: text('source', { enum: ['1c', 'feed', 'file'] }).notNull(),
    /** 1C: catalog or sale; a feed or file: its format (yml, commerceml, csv, json). */
    kind: text('kind').notNull(),
    status: text('status', { enum: ['open', 'done', 'failed'] })
      .notNull()
      .default('open'),
    startedAt: ts('started_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    finishedAt: ts('finished_at'),
    counts: jsonb('counts').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
    orders: jsonb('orders'),
  },
  (t) => [index('catalog_exchanges_started_idx').on(t.startedAt)],
);

/** The files 1C uploads in an exchange, in the chunks they came in (`mode=file` appends). Kept in Postgres so any process can import them. */
export const exchangeFiles = pgTable(
  'exchange_files',
  {
    exchangeId: text('exchange_id').notNull(),
    name: text('name').notNull(),
    seq: integer('seq').notNull(),
    /** Bytes in `data`, kept beside it: summing length(data) would read every stored chunk back. */
    size: integer('size').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exchangeId, t.name, t.seq] })],
);

/**
 * One `mode=import` of one file: claimed by the process that runs it (the lease is renewed while
 * it runs; a dead process's import is taken over by the next call), then done or failed for good.
 */
export const exchangeImports = pgTable(
  'exchange_imports',
  {
    exchangeId: text('exchange_id').notNull(),
    filename: text('filename').notNull(),
    status: text('status', { enum: ['running', 'done', 'failed'] }).notNull(),
    leaseUntil: ts('lease_until').notNull(),
    progress: jsonb('progress').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.exchangeId, t.filename] })],
);

/** 1C's groups (the catalog tree): a product's category is its group's name, its parents' names its tags. */
export const catalogGroups = pgTable('catalog_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  parentId: text('parent_id'),
});

/** Pictures 1C sends under import_files/, served at /catalog-files/<path> for WhatsApp to fetch. */
export const catalogFiles = pgTable('catalog_files', {
  path: text('path').primaryKey(),
  data: bytea('data').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** 1C's properties (Свойство) with their dictionaries: goods in a later file name them by Ид. */
export const catalogProperties = pgTable('catalog_properties', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** ИдЗначения → Значение. */
  values: jsonb('values').notNull().default(sql`'{}'::jsonb`),
});

/**
 * What Meta says each message is charged as (the `pricing` of its status webhooks), one row per
 * message: the earliest status that carried it dates it. Priced with templates/rates.yaml when a
 * report asks, so a corrected rate card reprices the past.
 */
export const messagePricing = pgTable(
  'message_pricing',
  {
    wamid: text('wamid').primaryKey(),
    recipient: text('recipient').notNull(),
    category: text('category').notNull(),
    /** regular (charged), free_customer_service, free_entry_point; null in the conversation-based shape. */
    type: text('type'),
    model: text('model'),
    billable: boolean('billable'),
    at: ts('at').notNull(),
  },
  (t) => [index('message_pricing_at_idx').on(t.at)],
);

/**
 * The analytics roll-up: one row per local day (the store's time zone), metric and key (a
 * template, a message type, a manager, a time bucket…). `n` counts, `amount` sums (order value
 * in minor units, tokens). Rebuilt per day from the raw tables by the `analytics` job; reports
 * read only this. The row `_computed` of a day says when it was last built.
 */
export const analyticsDaily = pgTable(
  'analytics_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    metric: text('metric').notNull(),
    key: text('key').notNull().default(''),
    n: bigint('n', { mode: 'number' }).notNull(),
    amount: doublePrecision('amount').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.metric, t.key] }), index('analytics_daily_metric_idx').on(t.metric, t.day)],
);

/** A console account: created by the operator (`vitrina managers add`); `phone` ties it to a MANAGER_PHONES number. */
export const managers = pgTable(
  'managers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    login: text('login').notNull(),
    name: text('name').notNull(),
    phone: text('phone'),
    /** argon2id (PHC string). */
    passwordHash: text('password_hash').notNull(),
    createdAt: ts('created_at').notNull(),
    disabledAt: ts('disabled_at'),
  },
  (t) => [uniqueIndex('managers_login_uq').on(t.login)],
);

/** A signed-in console: only the token's SHA-256 is kept; it stops at `expires_at` or sign-out. */
export const managerSessions = pgTable(
  'manager_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    managerId: bigint('manager_id', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('manager_sessions_expires_idx').on(t.expiresAt)],
);
