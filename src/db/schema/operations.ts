import { bigserial, bigint, date, doublePrecision, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/* Jobs and the numbers: job ticks and leases, analytics events and the daily roll-up. */

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
