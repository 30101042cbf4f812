import type { Assistant } from '../core/assistant.ts';
import type { CoreServices, Effect, InboundKind, InboundLocation, InboundMedia, InboundOrder, InboundView, Turn } from '../core/ports.ts';
import { noWrites, type TurnWrites } from '../src/inbox/turn-writes.ts';
import type { Preferences } from '../src/shoppers/shopper-repo.ts';
import type { InboxRow } from '../src/inbox/inbox-repo.ts';
import type { TurnShopper } from '../src/inbox/inbox-worker.ts';
import type { Logger } from '../src/log.ts';
import type { Media } from '../src/media/media.ts';
import * as wa from '../src/whatsapp/messages.ts';
import type { EventKind } from '../src/analytics/event-kinds.ts';

export type { Effect, InboundKind, InboundView };

/** Services a handler may use; built once at start-up and passed in, never imported as globals. */
export interface TurnServices extends CoreServices {
  assistant: Assistant;
  media: Media;
}

const MEDIA = ['image', 'audio', 'video', 'document', 'sticker'] as const;

/** The stored webhook message as the turn's typed view: the one place its JSON is read. */
export function readInbound(row: InboxRow): InboundView {
  const m = row.message as Record<string, any>;
  const base = { wamid: row.wamid, text: null, replyId: null };
  const object = <T>(v: unknown): T => (v && typeof v === 'object' ? v : {}) as T;
  switch (row.type) {
    case 'text': {
      const text = [m, ...row.merged.map((r) => r.message as Record<string, any>)]
        .map((x) => x.text?.body ?? '')
        .filter(Boolean)
        .join('\n');
      return { ...base, type: 'text', text: text || null };
    }
    case 'interactive': {
      const reply = m.interactive?.list_reply ?? m.interactive?.button_reply;
      return { ...base, type: 'interactive', text: reply?.title ?? null, replyId: reply?.id ?? null };
    }
    case 'button':
      return { ...base, type: 'button', text: m.button?.text ?? null, replyId: m.button?.payload ?? null };
    case 'location':
      return { ...base, type: 'location', location: object<InboundLocation>(m.location) };
    case 'order':
      return { ...base, type: 'order', order: object<InboundOrder>(m.order) };
    case 'reaction':
      return { ...base, type: 'reaction', reaction: object<{ message_id?: string; emoji?: string }>(m.reaction) };
  }
  const kind = MEDIA.find((k) => k === row.type);
  if (kind) {
    const media = object<InboundMedia>(m[kind]);
    return { ...base, type: kind, media, text: kind === 'audio' || kind === 'sticker' ? null : (media.caption ?? null) };
  }
  return { ...base, type: 'unsupported', original: row.type };
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

  /** Language, preferences and events: data the statement that finishes the message writes (src/inbox/turn-writes.ts). */
  readonly writes: TurnWrites = noWrites();

  /**
   * An analytics event of this turn. They go in with the message's finish, each keyed by the
   * message and its place in the turn, so a retried turn adds none.
   */
  event(kind: EventKind, data: Record<string, unknown>): this {
    const events = this.writes.events;
    events.push({ dedupeKey: this.key(kind, events.length), shopperKey: this.shopper.key, kind, data, at: this.services.clock.now() });
    return this;
  }

  rememberLanguage(language: string): this {
    this.writes.language = language;
    return this;
  }

  rememberPreferences(data: Preferences, at: Date): this {
    this.writes.preferences = { data, at };
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

/** The members of the view of the kinds K (a member may stand for several kinds: media). */
type Narrow<V, K> = V extends { type: infer T } ? ([Extract<T, K>] extends [never] ? never : V & { type: Extract<T, K> }) : never;

/** The turn of a message of the kinds K: its `message` narrowed to them. */
export type TurnOf<K extends InboundKind> = TurnContext & { readonly message: Narrow<InboundView, K> };

/** A handler for some kinds only (like grammY's `Composer.on`); other messages go on untouched. */
export function on<K extends InboundKind>(kinds: K | readonly K[], handler: (ctx: TurnOf<K>, next: Next) => Promise<void> | void): Handler {
  const taken: readonly InboundKind[] = typeof kinds === 'string' ? [kinds] : kinds;
  return (ctx, next) => (taken.includes(ctx.message.type) ? handler(ctx as TurnOf<K>, next) : next());
}

/** The kind a message came as, for logs and relays («[sticker]», «[contacts]»). */
export const kindOf = (m: InboundView): string => (m.type === 'unsupported' ? m.original : m.type);

/**
 * Koa/grammY-style composition: each handler may answer, or pass the turn on with `next()`,
 * once: a second call would run the rest of the chain again (two answers), so it throws.
 */
export function compose(handlers: Handler[]): (ctx: TurnContext) => Promise<void> {
  return (ctx) => {
    const dispatch = async (i: number): Promise<void> => {
      const h = handlers[i];
      if (!h) return;
      let passed = false;
      await h(ctx, () => {
        if (passed) throw new Error(`handler ${h.name || i} called next() twice`);
        passed = true;
        return dispatch(i + 1);
      });
    };
    return dispatch(0);
  };
}
