import type { CheckoutState } from '../orders/cart-repo.ts';
import type { Clock } from '../clock.ts';
import type { Db, Tx } from '../db/database.ts';
import { maskId, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Batcher } from '../db/batcher.ts';
import { finishManyWithReplies } from '../outbox/outbox-repo.ts';
import { noWrites, turnWritesCtes, type TurnWrites } from './turn-writes.ts';
import { Pump } from '../worker/pump.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import type * as wa from '../whatsapp/messages.ts';
import { claimBurst, claimInbound, finishInbound, handBackInbound, releaseInbound, type InboxRow } from './inbox-repo.ts';

/** Who sent the message, as the turn sees them. */
export interface TurnShopper {
  key: string;
  name: string | null;
  /** Saved language (Postgres), null for a new shopper. */
  language: string | null;
  /** Saved preferences (Postgres), null when none. */
  preferences: Record<string, unknown> | null;
  /** Where their checkout stands, null when none is under way. */
  checkout: CheckoutState | null;
}

/** A turn as its finishing statement takes it. */
type Finish = Parameters<typeof finishManyWithReplies>[1][number] & { row: InboxRow; writes: TurnWrites };
const writesOf = (t: Finish) => ({ inboxId: t.row.id, shopperKey: t.row.shopperKey, writes: t.writes });

/** What a turn decided: replies, and writes to commit with them. */
export interface TurnResult {
  readonly replies: wa.OutboundMessage[];
  /** The turn's routine writes (language, preferences, events): in the statement that marks the message done. */
  readonly writes: TurnWrites;
  /** Any other write that must happen exactly once: it runs in the transaction that marks the message done. */
  readonly effects: Array<(tx: Tx) => Promise<void>>;
  /** Best-effort steps after the commit (caches, conversation context). */
  readonly afterCommits: Array<() => Promise<void>>;
}

export interface InboxWorkerOptions {
  db: Db;
  clock: Clock;
  /** The handlers (built with the turns' services in src/services/turns.ts). */
  runTurn: (row: InboxRow, shopper: TurnShopper, log: Logger) => Promise<TurnResult>;
  /** The message a shopper gets when their message failed for good, in their language. */
  apology: (language: string | null) => wa.OutboundMessage;
  client: WhatsAppClient;
  log: Logger;
  metrics: Metrics;
  defaultPhoneNumberId: string;
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  debounceMs: number;
  pollMs: number;
  yieldTo?: () => boolean;
  /** Milliseconds from claim to committed replies, per turn (benchmarks). */
  observeTurn?: (ms: number) => void;
  /** Called after replies are committed, to wake the sender. */
  onReplies?: () => void;
}

const LEASE_LOST = Symbol('lease lost');

/**
 * Turns inbox rows into replies. One message per shopper at a time, in arrival order, many
 * shoppers in parallel. The replies and the "done" mark commit together, so a crash either
 * loses both (the row is retried after its lease) or keeps both — never a reply twice.
 */
export class InboxWorker {
  readonly pump: Pump<InboxRow>;

  constructor(private readonly opts: InboxWorkerOptions) {
    this.pump = new Pump({
      name: 'inbox',
      concurrency: opts.concurrency,
      pollMs: opts.pollMs,
      log: opts.log,
      yieldTo: opts.yieldTo,
      claim: (n) => claimInbound(this.db, { now: this.opts.clock.now(), leaseMs: opts.leaseMs, limit: n, debounceMs: opts.debounceMs }),
      process: (row) => {
        this.held.add(row);
        return this.handle(row).finally(() => this.held.delete(row));
      },
    });
  }

  private readonly finisher = new Batcher<Finish, boolean>({
    maxInFlight: 2,
    maxItems: 200,
    flush: async (groups) => {
      const turns = groups.flat();
      const done = await finishManyWithReplies(this.db, turns, this.opts.clock.now(), (finished) => turnWritesCtes(turns.map(writesOf), finished));
      return groups.map((g) => done.has(g[0]!.row.id));
    },
  });

  /** Rows this process has claimed and not finished. */
  private readonly held = new Set<InboxRow>();

  /**
   * Graceful stop: no new claims, turns in flight get `graceMs` to finish, then whatever is
   * still held is handed back for another process. Returns how many rows were handed back.
   */
  async stop(opts: { graceMs: number }): Promise<number> {
    if (await this.pump.stop(opts)) return 0;
    let handed = 0;
    for (const row of [...this.held]) {
      for (const r of [row, ...row.merged])
        if (
          await handBackInbound(this.db, r).catch(
            (err: unknown) => (this.opts.log.warn({ err: String(err), wamid: r.wamid }, 'not handed back; its lease expires instead'), false),
          )
        )
          handed++;
    }
    if (handed) this.opts.log.info({ handed }, 'unfinished messages handed back for another process');
    return handed;
  }

  private get db(): Db {
    return this.opts.db;
  }

  private async handle(row: InboxRow): Promise<void> {
    const startedPrecise = performance.now();
    const { clock, log, metrics } = this.opts;
    const mlog = log.child({ wamid: row.wamid, shopper: maskId(row.shopperKey), attempt: row.attempts });
    if (row.attempts > this.opts.maxAttempts) return this.giveUp(row, 'lease expired too many times', mlog);

    row.merged = await claimBurst(this.db, row, { now: clock.now(), gapMs: this.opts.debounceMs, max: 10 });
    const started = clock.now().getTime();
    if (row.attempts === 1) {
      this.opts.client
        .markRead(row.phoneNumberId ?? this.opts.defaultPhoneNumberId, row.wamid, { typing: true })
        .catch((err) => mlog.debug({ err: String(err) }, 'mark-as-read failed'));
    }
    const name = (row.contact as { profile?: { name?: string } } | null)?.profile?.name ?? null;
    let committed: boolean;
    let ctx: TurnResult;
    try {
      ctx = await this.opts.runTurn(
        row,
        { key: row.shopperKey, name, language: row.shopperLanguage, preferences: row.shopperPreferences, checkout: row.shopperCheckout },
        mlog,
      );
      committed = await this.commit(row, 'done', ctx.replies, undefined, ctx);
    } catch (err) {
      mlog.warn({ err }, 'turn failed');
      metrics.turns.inc({ outcome: 'error' });
      if (row.attempts >= this.opts.maxAttempts) return this.giveUp(row, String(err), mlog);
      const retryAt = new Date(clock.now().getTime() + 1000 * 2 ** row.attempts);
      for (const r of [row, ...row.merged]) await releaseInbound(this.db, r, retryAt, String(err));
      return;
    }
    metrics.turns.inc({ outcome: committed ? 'ok' : 'lease_lost' });
    metrics.turnLatency.observe((clock.now().getTime() - started) / 1000);
    this.opts.observeTurn?.(performance.now() - startedPrecise);
    if (!committed) mlog.warn('lease lost before commit; another worker owns this message');
    else mlog.info({ type: row.type, ms: clock.now().getTime() - started, replies: ctx.replies.length, merged: row.merged.length }, 'message answered');
  }

  private async giveUp(row: InboxRow, error: string, mlog: Logger): Promise<void> {
    if (await this.commit(row, 'failed', [this.opts.apology(row.shopperLanguage)], error)) {
      this.opts.metrics.inboxFailed.inc();
      mlog.error({ error }, 'message failed for good; apology sent');
    }
  }

  private async commit(row: InboxRow, status: 'done' | 'failed', replies: wa.OutboundMessage[], error?: string, ctx?: TurnResult): Promise<boolean> {
    const now = this.opts.clock.now();
    const items = replies.map((message, i) => ({
      dedupeKey: `in:${row.wamid}:${i}`,
      shopperKey: row.shopperKey,
      phoneNumberId: row.phoneNumberId,
      inboxId: row.id,
      message,
    }));
    const effects = ctx?.effects ?? [];
    const turn: Finish = { row, status, items, error, writes: ctx?.writes ?? noWrites() };
    // The common turn (its writes as data, no other effect, no burst) is one statement, atomic
    // by itself, shared with the other turns finishing at the same moment (group commit).
    const ok =
      effects.length === 0 && row.merged.length === 0
        ? await this.finisher.add([turn])
        : await this.db
            .transaction(async (tx) => {
              // The turn's writes are issued together: postgres.js pipelines them on the
              // transaction's connection (one round trip between BEGIN and COMMIT; PGlite runs
              // them in turn). Should the lease have been lost, all of it rolls back.
              const settled = await Promise.allSettled([
                finishManyWithReplies(tx, [turn], now, (finished) => turnWritesCtes([writesOf(turn)], finished)).then((done) => done.has(row.id)),
                ...row.merged.map((m) => finishInbound(tx, m, status, now, error)),
                ...effects.map((effect) => effect(tx)),
              ]);
              const failed = settled.find((r) => r.status === 'rejected');
              if (failed) throw failed.reason;
              if (!(settled[0] as PromiseFulfilledResult<boolean>).value) throw LEASE_LOST;
              return true;
            })
            .catch((err: unknown) => {
              if (err === LEASE_LOST) return false;
              throw err;
            });
    if (ok && replies.length) this.opts.onReplies?.();
    if (ok) {
      for (const fn of ctx?.afterCommits ?? []) await fn().catch((err: unknown) => this.opts.log.warn({ err: String(err) }, 'after-commit step failed'));
    }
    return ok;
  }
}
