import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { templates, webhookEvents } from '../db/schema.ts';
import { insertInbound } from '../inbox/inbox-repo.ts';
import type { Logger } from '../log.ts';
import { recordStatuses } from '../outbox/outbox-repo.ts';
import { Batcher } from '../db/batcher.ts';
import type { InboundMessage, NormalizedWebhook, StatusUpdate } from './normalize.ts';

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
 * Nothing slow happens here: no model, no Graph call. Messages and statuses of concurrent
 * requests share one statement each (see Batcher); all messages of one POST are always in the
 * same statement.
 */
export class Intake {
  private readonly messages: Batcher<InboundMessage, number>;
  private readonly statuses: Batcher<StatusUpdate, undefined>;

  constructor(
    private readonly opts: {
      db: Db;
      clock: Clock;
      log: Logger;
      onMessages?: () => void;
      maxInFlight?: number;
      urgent?: <T>(fn: () => Promise<T>) => Promise<T>;
    },
  ) {
    const maxInFlight = opts.maxInFlight ?? 2;
    this.messages = new Batcher({
      maxInFlight,
      maxItems: 1000,
      flush: async (groups) => {
        const fresh = await this.urgent(() => insertInbound(opts.db, groups.flat(), opts.clock.now()));
        if (fresh.size > 0) opts.onMessages?.();
        return groups.map((g) => new Set(g.filter((m) => fresh.has(m.wamid)).map((m) => m.wamid)).size);
      },
    });
    this.statuses = new Batcher({
      maxInFlight,
      maxItems: 1000,
      flush: async (groups) => {
        await this.urgent(() => recordStatuses(opts.db, groups.flat(), opts.clock.now()));
        return groups.map(() => undefined);
      },
    });
  }

  /** Webhook writes go ahead of the workers' statements where the database serialises them (PGlite). */
  private urgent<T>(fn: () => Promise<T>): Promise<T> {
    return this.opts.urgent ? this.opts.urgent(fn) : fn();
  }

  /** True while webhook writes are queued or running (workers yield to them on PGlite). */
  get busy(): boolean {
    return this.messages.busy || this.statuses.busy;
  }

  async ingest(w: NormalizedWebhook): Promise<IntakeResult> {
    const { db, clock, log } = this.opts;
    const now = clock.now();
    const [inserted] = await Promise.all([
      w.messages.length ? this.messages.add(w.messages) : 0,
      w.statuses.length ? this.statuses.add(w.statuses) : undefined,
    ]);
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
      await db
        .insert(webhookEvents)
        .values(w.events.map((e) => ({ kind: e.kind, field: e.field, code: e.code, detail: e.detail, raw: asJsonRecord(e.raw), receivedAt: now })));
      for (const e of w.events) log.warn({ kind: e.kind, field: e.field, code: e.code, detail: e.detail }, 'webhook event recorded');
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

/**
 * The rejected piece as it arrived. A JSON null (`"messages": [null]`) would read as SQL NULL
 * and break the insert, failing the whole POST forever; it is wrapped instead.
 */
function asJsonRecord(raw: unknown): unknown {
  return raw !== null && typeof raw === 'object' ? raw : { value: raw ?? null };
}
