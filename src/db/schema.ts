import { sql } from 'drizzle-orm';
import { bigserial, bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
    status: text('status', { enum: ['pending', 'processing', 'done', 'failed'] }).notNull().default('pending'),
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
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_uq').on(t.dedupeKey),
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
