import type { Assistant } from '../core/assistant.ts';
import type { CoreServices, Effect, InboundView, Turn } from '../core/ports.ts';
import { analyticsEvents } from '../src/db/schema.ts';
import type { InboxRow } from '../src/inbox/inbox-repo.ts';
import type { TurnShopper } from '../src/inbox/inbox-worker.ts';
import type { Logger } from '../src/log.ts';
import type { Media } from '../src/media/media.ts';
import * as wa from '../src/whatsapp/messages.ts';

export type { Effect, InboundView };

/** Services a handler may use; built once at start-up and passed in, never imported as globals. */
export interface TurnServices extends CoreServices {
  assistant: Assistant;
  media: Media;
}

export function readInbound(row: InboxRow): InboundView {
  const m = row.message as Record<string, any>;
  let text: string | null = null;
  let replyId: string | null = null;
  switch (row.type) {
    case 'text':
      text =
        [m, ...row.merged.map((r) => r.message as Record<string, any>)]
          .map((x) => x.text?.body ?? '')
          .filter(Boolean)
          .join('\n') || null;
      break;
    case 'interactive': {
      const reply = m.interactive?.list_reply ?? m.interactive?.button_reply;
      text = reply?.title ?? null;
      replyId = reply?.id ?? null;
      break;
    }
    case 'button':
      text = m.button?.text ?? null;
      replyId = m.button?.payload ?? null;
      break;
    case 'image':
    case 'video':
    case 'document':
      text = m[row.type]?.caption ?? null;
      break;
  }
  return { wamid: row.wamid, type: row.type, text, replyId, raw: m };
}

/**
 * One per inbound message (like grammY's Context): the message, the shopper, reply helpers
 * and services. Replies are collected, then written to the outbox in the same transaction
 * that marks the message done.
 */
export class TurnContext implements Turn {
  readonly message: InboundView;
  readonly replies: wa.OutboundMessage[] = [];
  readonly effects: Effect[] = [];
  readonly afterCommits: Array<() => Promise<void>> = [];
  /** Set by the turn once it knows the shopper's language. */
  language: string;

  constructor(
    readonly inbound: InboxRow,
    readonly shopper: TurnShopper,
    readonly services: TurnServices,
    readonly log: Logger,
  ) {
    this.message = readInbound(inbound);
    this.language = services.profile.current().defaultLanguage;
  }

  /**
   * Registers a side effect (alert set, preference saved, view recorded, escalation opened).
   * It runs in the transaction that marks the message done, so a retried turn cannot repeat it.
   */
  effect(fn: Effect): this {
    this.effects.push(fn);
    return this;
  }

  private readonly events: Array<typeof analyticsEvents.$inferInsert> = [];

  /**
   * An analytics event of this turn. All of them go in with one insert at commit, each keyed by
   * the message and its place in the turn, so a retried turn adds none.
   */
  event(kind: string, data: Record<string, unknown>): this {
    if (this.events.length === 0) this.effect(async (tx) => void (await tx.insert(analyticsEvents).values(this.events).onConflictDoNothing()));
    this.events.push({ dedupeKey: this.key(kind, this.events.length), shopperKey: this.shopper.key, kind, data, at: this.services.clock.now() });
    return this;
  }

  /** Runs after the commit, best effort (cache refresh, conversation context). */
  afterCommit(fn: () => Promise<void>): this {
    this.afterCommits.push(fn);
    return this;
  }

  /** A stable key for this message's n-th effect of a kind. */
  key(kind: string, n: number | string = 0): string {
    return `${this.inbound.wamid}:${kind}:${n}`;
  }

  reply(message: wa.OutboundMessage): this {
    this.replies.push(message);
    return this;
  }

  replyText(body: string): this {
    return this.reply(wa.text(body));
  }

  replyButtons(body: string, buttons: wa.ReplyButton[]): this {
    return this.reply(wa.buttons({ body, buttons }));
  }

  replyList(opts: Parameters<typeof wa.list>[0]): this {
    return this.reply(wa.list(opts));
  }
}

export type Next = () => Promise<void>;
export type Handler = (ctx: TurnContext, next: Next) => Promise<void> | void;

/** Koa/grammY-style composition: each handler may answer, or pass the turn on with `next()`. */
export function compose(handlers: Handler[]): (ctx: TurnContext) => Promise<void> {
  return (ctx) => {
    const dispatch = async (i: number): Promise<void> => {
      const h = handlers[i];
      if (h) await h(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
