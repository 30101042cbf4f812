import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { maskId, type Logger } from '../log.ts';
import { recordStatuses } from '../outbox/outbox-repo.ts';
import { templates, webhookEvents } from '../db/schema.ts';
import { insertInbound } from '../inbox/inbox-repo.ts';
import type { NormalizedWebhook } from './normalize.ts';
import { sql } from 'drizzle-orm';

export interface IntakeResult {
  messages: number;
  inserted: number;
  statuses: number;
  templates: number;
  events: number;
}

/**
 * Persists one verified webhook. Every step is idempotent (wamid, wamid+status, template key),
 * so when anything fails the caller answers non-200 and Meta's redelivery completes the work.
 * Nothing slow happens here: no model, no Graph call.
 */
export class Intake {
  constructor(private readonly opts: { db: Db; clock: Clock; log: Logger; onMessages?: () => void }) {}

  async ingest(w: NormalizedWebhook): Promise<IntakeResult> {
    const { db, clock, log } = this.opts;
    const now = clock.now();
    const inserted = await insertInbound(db, w.messages, now);
    if (w.statuses.length) await recordStatuses(db, w.statuses, now);
    for (const t of w.templateUpdates) {
      await db
        .insert(templates)
        .values({ name: t.name, language: t.language, metaId: t.metaId, category: t.category, status: t.event, reason: t.reason, updatedAt: now })
        .onConflictDoUpdate({
          target: [templates.name, templates.language],
          set: { status: t.event, reason: t.reason, metaId: sql`coalesce(excluded.meta_id, ${templates.metaId})`, updatedAt: now },
        });
      log.info({ template: t.name, language: t.language, event: t.event }, 'template status update');
    }
    if (w.events.length) {
      await db.insert(webhookEvents).values(
        w.events.map((e) => ({ kind: e.kind, field: e.field, code: e.code, detail: e.detail, raw: e.raw ?? null, receivedAt: now })),
      );
      for (const e of w.events) log.warn({ kind: e.kind, field: e.field, code: e.code, detail: e.detail }, 'webhook event recorded');
    }
    if (inserted > 0) this.opts.onMessages?.();
    if (w.messages.length) {
      log.debug({ shoppers: [...new Set(w.messages.map((m) => maskId(m.waId ?? m.userId)))], inserted }, 'messages stored');
    }
    return {
      messages: w.messages.length,
      inserted,
      statuses: w.statuses.length,
      templates: w.templateUpdates.length,
      events: w.events.length,
    };
  }
}
