import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { WhatsAppApiError } from '../errors.ts';
import { maskId, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Batcher } from '../db/batcher.ts';
import { Pump } from '../worker/pump.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import type { Recipient } from '../whatsapp/messages.ts';
import { OPTED_OUT_CODE, templateStatus } from './consent.ts';
import { markOptedOut } from '../shoppers/shopper-repo.ts';
import {
  insideWindow,
  callbackDataFor,
  claimOutbound,
  markManyAccepted,
  markFailed,
  reschedule,
  swapToTemplate,
  WINDOW_CLOSED_CODE,
  WINDOW_CLOSED_NO_TEMPLATE,
  type OutboxRow,
} from './outbox-repo.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface SenderOptions {
  db: Db;
  client: WhatsAppClient;
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  defaultPhoneNumberId: string;
  concurrency: number;
  maxAttempts: number;
  pollMs: number;
  /** UTILITY or MARKETING for a Meta template name (from the YAML), null when unknown. */
  templateCategory?: (name: string) => string | null;
  /** Refuse templates Meta reported as not approved (off in the sandbox, which has no Meta). */
  checkApproval?: boolean;
  yieldTo?: () => boolean;
  leaseMs?: number;
  /** Backoff: base × 4^(attempt−1), capped, with jitter in [½, 1]. Random is injectable for tests. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
}

/** Delivers the outbox: in order per shopper, within the rate limit, retrying what Meta says is retryable. */
export class Sender {
  readonly pump: Pump<OutboxRow>;
  /** Accepted sends recorded together (group commit): one statement for the sends answered at the same moment. */
  private readonly accepted = new Batcher<{ id: number; wamid: string }, undefined>({
    maxInFlight: 2,
    maxItems: 200,
    flush: async (groups) => {
      await markManyAccepted(this.opts.db, groups.flat(), this.opts.clock.now());
      return groups.map(() => undefined);
    },
  });

  constructor(private readonly opts: SenderOptions) {
    this.startedAt = opts.clock.now().getTime();
    this.pump = new Pump({
      name: 'outbox',
      concurrency: opts.concurrency,
      pollMs: opts.pollMs,
      log: opts.log,
      yieldTo: opts.yieldTo,
      // Rows still in this process (a send whose acceptance waits for the database) are never
      // claimed again by it, even when their lease has run out. A send left in flight by a
      // dead process is reclaimed only once this one has been up a whole lease: its status
      // webhook, which settles it, could not arrive while no process was listening.
      claim: (n) => {
        const now = opts.clock.now();
        const leaseMs = opts.leaseMs ?? 60_000;
        return claimOutbound(opts.db, { now, leaseMs, limit: n, exclude: [...this.held], reclaimInDoubt: now.getTime() - this.startedAt >= leaseMs });
      },
      process: (row) => {
        this.held.add(row.id);
        return this.deliver(row).finally(() => this.held.delete(row.id));
      },
    });
  }

  private readonly held = new Set<number>();
  private readonly startedAt: number;

  backoffMs(attempt: number): number {
    const base = this.opts.backoffBaseMs ?? 1000;
    const cap = this.opts.backoffCapMs ?? 5 * 60_000;
    const raw = Math.min(cap, base * 4 ** Math.max(0, attempt - 1));
    return Math.round(raw * (0.5 + 0.5 * (this.opts.random ?? Math.random)()));
  }

  /** Why a template must not go out, or null: marketing to an opted-out shopper, or not approved. */
  private async templateRefusal(row: OutboxRow, name: string, language: string): Promise<string | null> {
    if (this.opts.templateCategory?.(name) === 'MARKETING' && row.marketingOptOutAt) return 'shopper opted out of marketing messages';
    if (!this.opts.checkApproval) return null;
    const status = await templateStatus(this.opts.db, name, language);
    // Unknown (never synced) is left to Meta; a known status other than APPROVED is refused here.
    return status && status !== 'APPROVED' ? `template ${name} (${language}) is ${status}, not APPROVED` : null;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const { db, clock, log, metrics } = this.opts;
    const recipient: Recipient | null = row.waId ? { waId: row.waId } : row.userId ? { userId: row.userId } : null;
    if (!recipient) {
      await markFailed(db, row, clock.now(), null, 'shopper has neither wa_id nor user_id');
      metrics.outbound.inc({ status: 'failed', code: 'no_recipient' });
      return;
    }
    let message = row.payload;
    const windowOpen = insideWindow(row.lastInboundAt, clock.now());
    if (message.type !== 'template' && !windowOpen) {
      if (!row.fallbackTemplate) {
        await markFailed(db, row, clock.now(), WINDOW_CLOSED_CODE, WINDOW_CLOSED_NO_TEMPLATE);
        metrics.outbound.inc({ status: 'failed', code: String(WINDOW_CLOSED_CODE) });
        log.info({ outboxId: row.id, shopper: maskId(row.shopperKey) }, 'not sent: 24-hour window closed');
        return;
      }
      await swapToTemplate(db, row, clock.now());
      message = row.fallbackTemplate;
    }

    if (message.type === 'template') {
      const refusal = await this.templateRefusal(row, message.template.name, message.template.language.code);
      if (refusal) {
        await markFailed(db, row, clock.now(), null, refusal);
        metrics.outbound.inc({ status: 'failed', code: 'refused' });
        log.info({ outboxId: row.id, template: message.template.name, refusal }, 'template not sent');
        return;
      }
    }
    const phoneNumberId = row.phoneNumberId ?? this.opts.defaultPhoneNumberId;
    await this.opts.limiter.acquire(phoneNumberId);
    let wamid: string;
    try {
      ({ wamid } = await this.opts.client.send(phoneNumberId, recipient, message, { callbackData: callbackDataFor(row.id) }));
    } catch (err) {
      const e = err instanceof WhatsAppApiError ? err : new WhatsAppApiError({ message: String(err), retryable: true });
      const code = e.metaCode;
      metrics.outbound.inc({ status: 'error', code: String(code ?? e.status ?? (e.details === 'timeout' ? 'timeout' : 'network')) });
      if (code === WINDOW_CLOSED_CODE && row.fallbackTemplate && message.type !== 'template') {
        // Meta's clock disagrees with ours: send the template now.
        await swapToTemplate(db, row, clock.now());
        await reschedule(db, row, clock.now(), clock.now(), code, 'retrying as template after 131047');
        return;
      }
      if (code === OPTED_OUT_CODE) await markOptedOut(db, row.shopperKey, clock.now());
      if (e.retryable && row.attempts < this.opts.maxAttempts) {
        const at = new Date(clock.now().getTime() + this.backoffMs(row.attempts));
        await reschedule(db, row, at, clock.now(), code, e.details ?? e.message);
        log.warn({ outboxId: row.id, code, attempt: row.attempts }, 'send failed; will retry');
        return;
      }
      const detail = code === WINDOW_CLOSED_CODE ? WINDOW_CLOSED_NO_TEMPLATE : (e.details ?? e.message);
      await markFailed(db, row, clock.now(), code, detail);
      metrics.outbound.inc({ status: 'failed', code: String(code ?? '') });
      log.warn({ outboxId: row.id, code, attempt: row.attempts }, 'send failed for good');
      return;
    }
    metrics.outbound.inc({ status: 'accepted', code: '' });
    await this.recordAccepted(row, wamid);
  }

  /**
   * Meta has the message; only our record of it is missing. A database error here must not
   * count as a failed send (that would send it again): the wamid is held in memory and written
   * as soon as the database answers. Should the process die meanwhile, the status webhook's
   * callback data settles the row.
   */
  private async recordAccepted(row: OutboxRow, wamid: string): Promise<void> {
    const { log } = this.opts;
    for (let attempt = 0, wait = 100; ; attempt++, wait = Math.min(wait * 2, 2000)) {
      try {
        await this.accepted.add([{ id: row.id, wamid }]);
        if (attempt > 0) log.info({ outboxId: row.id, attempts: attempt + 1 }, 'accepted send recorded after the database came back');
        return;
      } catch (err) {
        if (attempt === 0) log.warn({ outboxId: row.id, err: String(err) }, 'Meta accepted the message but the database is unreachable; holding its wamid');
        if (attempt >= 600) {
          log.error({ outboxId: row.id }, 'gave up recording an accepted send; its status webhook will settle it');
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
