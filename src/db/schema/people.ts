import { sql } from 'drizzle-orm';
import { bigserial, bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/* People at the store: hand-offs (escalations), console accounts and their sessions. */

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
