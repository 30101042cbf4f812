import { onlyAcknowledges } from './acknowledgement.ts';
import { kindOf, type Handler, type TurnContext } from './context.ts';
import { enqueueOutbound, type OutboundItem } from '../src/outbox/outbox-repo.ts';
import * as wa from '../src/whatsapp/messages.ts';
import { encodePayload, parsePayload } from '../src/whatsapp/payloads.ts';

/** Queues messages to someone other than the sender, in the turn's transaction. */
function queue(ctx: TurnContext, items: OutboundItem[]): void {
  const at = ctx.services.clock.now();
  if (items.length) ctx.effect(async (tx) => void (await enqueueOutbound(tx, items, at)));
}

/**
 * Photos, voice notes, videos and documents go along as themselves: inbound media ids cannot be
 * re-sent, so the file is downloaded and uploaded again, keeping what makes it what it is (a
 * voice note stays a voice note, a document keeps its file name). Null for other messages or on
 * failure.
 */
async function forwardMedia(ctx: TurnContext): Promise<wa.OutboundMessage | null> {
  const m = ctx.message;
  if (m.type !== 'image' && m.type !== 'audio' && m.type !== 'video' && m.type !== 'document') return null;
  const { type: kind, media } = m;
  if (!media.id) return null;
  const fwd = await ctx.services.media.forward(media.id, ctx.inbound.phoneNumberId ?? ctx.services.config.WHATSAPP_PHONE_NUMBER_ID ?? 'sandbox');
  if (!fwd) return null;
  return wa.media(kind, { id: fwd.id }, { voice: kind === 'audio' && media.voice === true, filename: kind === 'document' ? media.filename : undefined });
}

const describe = (ctx: TurnContext) => ctx.message.text ?? `[${kindOf(ctx.message)}]`;

/** A manager's message: a command (/list, /take N, /close, the template and card buttons) or words for their shopper. */
const fromManager = async (ctx: TurnContext): Promise<void> => {
  const { db, handoff } = ctx.services;
  const me = ctx.shopper.key;
  const text = ctx.message.text?.trim() ?? '';
  const tap = parsePayload(ctx.message.replyId);
  const takeId = tap?.kind === 'take' ? tap.escalation : Number(text.match(/^\/take\s+(\d+)$/)?.[1] ?? NaN);
  ctx.afterCommit(async () => handoff.events.changed(null));

  if (text === '/list') {
    const open = await handoff.list('open');
    ctx.replyText(open.length ? open.map((e) => `#${e.id} · ${e.reason}\n${e.summary.slice(0, 200)}`).join('\n\n') : handoff.managerText('queue_empty'));
    return;
  }
  if (Number.isInteger(takeId)) {
    if (!(await handoff.take(db, takeId, me))) {
      ctx.replyText(handoff.managerText('not_open', { id: takeId }));
      return;
    }
    ctx.replyButtons(handoff.managerText('taken', { id: takeId }), [
      { id: encodePayload({ kind: 'close', escalation: takeId }), title: handoff.managerText('close_button') },
    ]);
    const others = handoff.managers.filter((m) => m !== me);
    queue(
      ctx,
      others.map((m) => ({
        dedupeKey: ctx.key('relay', `${m}:${takeId}`),
        shopperKey: m,
        message: wa.text(handoff.managerText('taken_by_other', { id: takeId })),
      })),
    );
    return;
  }
  if (tap?.kind === 'resume') {
    for (const line of await handoff.resume(db, tap.escalation, me)) ctx.replyText(line);
    return;
  }
  const owned = await handoff.ownedBy(db, me);
  if (text === '/close' || tap?.kind === 'close') {
    const closed = owned && (await handoff.close(db, owned.id));
    ctx.replyText(closed ? handoff.managerText('closed', { id: owned.id }) : handoff.managerText('nothing_owned'));
    return;
  }
  if (!owned) {
    ctx.replyText(handoff.managerText('help'));
    return;
  }
  const fwd = await forwardMedia(ctx);
  const items: OutboundItem[] = [];
  if (fwd) items.push({ dedupeKey: ctx.key('relay', `${owned.shopperKey}:media`), shopperKey: owned.shopperKey, message: fwd });
  if (ctx.message.text || !fwd)
    items.push({ dedupeKey: ctx.key('relay', `${owned.shopperKey}:0`), shopperKey: owned.shopperKey, message: wa.text(describe(ctx)) });
  queue(ctx, items);
  ctx.event('manager_reply', { escalation: owned.id, by: me });
};

/**
 * The hand-off in the turn pipeline (the flow itself lives in src/handoff). A manager's messages
 * never reach the assistant. A shopper with an open or taken escalation gets no bot answers:
 * their messages go to the manager who took it, or wait for one (shown in the console), and the
 * shopper is told it waits and when people work (not for a reaction or a thank-you).
 */
export const handoffHandler: Handler = async (ctx, next) => {
  const { handoff } = ctx.services;
  if (handoff.isManager(ctx.shopper.key)) return fromManager(ctx);
  // read with the inbox claim (no round trip of its own)
  const esc = ctx.inbound.activeEscalation;
  if (!esc) return next();
  ctx.afterCommit(async () => handoff.events.changed(null));
  if (esc.status === 'taken' && esc.takenBy) {
    const fwd = await forwardMedia(ctx);
    queue(
      ctx,
      await handoff.relayToManager(
        esc,
        { who: ctx.shopper.name ?? ctx.shopper.key, text: describe(ctx), dedupeKey: ctx.key('relay', `${esc.takenBy}:0`), inboxId: ctx.inbound.id },
        fwd,
      ),
    );
  } else if (esc.status === 'open' && ctx.message.type !== 'reaction' && !onlyAcknowledges(ctx)) {
    queue(ctx, handoff.waiting(esc, ctx.shopper.language ?? null));
  }
};
