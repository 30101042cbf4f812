import { sql } from 'drizzle-orm';
import { bigserial, bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/* Messages in and out: the inbox, the outbox, statuses, webhook events, Meta's templates and pricing. */

/** Durable inbox: one row per inbound wamid. `id` is the arrival order. */
export const inbox = pgTable(
  'inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    wamid: text('wamid').notNull(),
    shopperKey: text('shopper_key').notNull(),
    phoneNumberId: text('phone_number_id'),
    type: text('type').notNull(),
    /** The webhook's message object, as Meta sent it. */
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    /** The webhook's contact for the sender (profile name, wa_id, user_id). */
    contact: jsonb('contact').$type<Record<string, unknown>>(),
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
