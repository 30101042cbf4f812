import { asLang } from '../../core/language.ts';
import { say } from '../../core/phrases.ts';
import { TurnContext, type TurnServices } from '../context.ts';
import type { Db } from '../db/database.ts';
import { maskId, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { enqueueOutbound, finishWithReplies } from '../outbox/outbox-repo.ts';
import { Pump } from '../worker/pump.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import * as wa from '../whatsapp/messages.ts';
import { claimBurst, claimInbound, finishInbound, handBackInbound, releaseInbound, type InboxRow } from './inbox-repo.ts';

export interface InboxWorkerOptions {
  services: TurnServices;
  runTurn: (ctx: TurnContext) => Promise<void>;
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
      claim: (n) => claimInbound(this.db, { now: this.opts.services.clock.now(), leaseMs: opts.leaseMs, limit: n, debounceMs: opts.debounceMs }),
      process: (row) => {
        this.held.add(row);
        return this.handle(row).finally(() => this.held.delete(row));
      },
    });
  }

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
      for (const r of [row, ...row.merged]) if (await handBackInbound(this.db, r).catch(() => false)) handed++;
    }
    if (handed) this.opts.log.info({ handed }, 'unfinished messages handed back for another process');
    return handed;
  }

  private get db(): Db {
    return this.opts.services.db;
  }

  private async handle(row: InboxRow): Promise<void> {
    const startedPrecise = performance.now();
    const { services, log, metrics } = this.opts;
    const mlog = log.child({ wamid: row.wamid, shopper: maskId(row.shopperKey), attempt: row.attempts });
    if (row.attempts > this.opts.maxAttempts) return this.giveUp(row, 'lease expired too many times', mlog);

    row.merged = await claimBurst(this.db, row, { now: services.clock.now(), gapMs: this.opts.debounceMs, max: 10 });
    const started = services.clock.now().getTime();
    if (row.attempts === 1) {
      this.opts.client
        .markRead(row.phoneNumberId ?? this.opts.defaultPhoneNumberId, row.wamid, { typing: true })
        .catch((err) => mlog.debug({ err: String(err) }, 'mark-as-read failed'));
    }
    const name = (row.contact as { profile?: { name?: string } } | null)?.profile?.name ?? null;
    const ctx = new TurnContext(row, { key: row.shopperKey, name, language: row.shopperLanguage }, services, mlog);
    let committed: boolean;
    try {
      await this.opts.runTurn(ctx);
      committed = await this.commit(row, 'done', ctx.replies, undefined, ctx);
    } catch (err) {
      mlog.warn({ err }, 'turn failed');
      metrics.turns.inc({ outcome: 'error' });
      if (row.attempts >= this.opts.maxAttempts) return this.giveUp(row, String(err), mlog);
      const retryAt = new Date(services.clock.now().getTime() + 1000 * 2 ** row.attempts);
      for (const r of [row, ...row.merged]) await releaseInbound(this.db, r, retryAt, String(err));
      return;
    }
    metrics.turns.inc({ outcome: committed ? 'ok' : 'lease_lost' });
    metrics.turnLatency.observe((services.clock.now().getTime() - started) / 1000);
    this.opts.observeTurn?.(performance.now() - startedPrecise);
    if (!committed) mlog.warn('lease lost before commit; another worker owns this message');
    else mlog.info({ type: row.type, ms: services.clock.now().getTime() - started, replies: ctx.replies.length, merged: row.merged.length }, 'message answered');
  }

  private async giveUp(row: InboxRow, error: string, mlog: Logger): Promise<void> {
    const lang = asLang(row.shopperLanguage ?? this.opts.services.config.DEFAULT_LANGUAGE, 'ru');
    const apology = wa.text(say(this.opts.services.assistant.phrases, lang, 'apology'));
    if (await this.commit(row, 'failed', [apology], error)) {
      this.opts.metrics.inboxFailed.inc();
      mlog.error({ error }, 'message failed for good; apology sent');
    }
  }

  private async commit(row: InboxRow, status: 'done' | 'failed', replies: wa.OutboundMessage[], error?: string, ctx?: TurnContext): Promise<boolean> {
    const now = this.opts.services.clock.now();
    const items = replies.map((message, i) => ({
      dedupeKey: `in:${row.wamid}:${i}`,
      shopperKey: row.shopperKey,
      phoneNumberId: row.phoneNumberId,
      inboxId: row.id,
      message,
    }));
    const effects = ctx?.effects ?? [];
    // The common turn (no effects, no burst) is one statement, atomic by itself.
    const ok =
      effects.length === 0 && row.merged.length === 0
        ? await finishWithReplies(this.db, row, status, now, items, error)
        : await this.db.transaction(async (tx) => {
            if (!(await finishInbound(tx, row, status, now, error))) return false;
            for (const m of row.merged) await finishInbound(tx, m, status, now, error);
            for (const effect of effects) await effect(tx);
            await enqueueOutbound(tx, items, now);
            return true;
          });
    if (ok && replies.length) this.opts.onReplies?.();
    if (ok) {
      for (const fn of ctx?.afterCommits ?? []) await fn().catch((err) => this.opts.log.warn({ err: String(err) }, 'after-commit step failed'));
    }
    return ok;
  }
}
