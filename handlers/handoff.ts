import type { Handler, TurnContext } from '../src/context.ts';
import { enqueueOutbound } from '../src/outbox/outbox-repo.ts';
import { activeEscalation, closeEscalation, listEscalations, ownedBy, takeEscalation } from '../src/escalations/escalations.ts';
import * as wa from '../src/whatsapp/messages.ts';

const managers = (ctx: TurnContext) => ctx.services.config.MANAGER_PHONES.map((p) => p.replace(/^\+/, ''));

/** Queues a message to someone other than the sender, keyed by this inbound message. */
function relay(ctx: TurnContext, to: string, message: wa.OutboundMessage, n: number | string = 0): void {
  const key = ctx.key('relay', `${to}:${n}`);
  const at = ctx.services.clock.now();
  ctx.effect(async (tx) => void (await enqueueOutbound(tx, [{ dedupeKey: key, shopperKey: to, message }], at)));
}

/**
 * Photos, voice notes, videos and documents go along as themselves: inbound media ids cannot be
 * re-sent, so the file is downloaded and uploaded again. Null for other messages or on failure.
 */
async function forwardMedia(ctx: TurnContext): Promise<wa.OutboundMessage | null> {
  const kind = ctx.message.type as 'image' | 'audio' | 'video' | 'document';
  if (!['image', 'audio', 'video', 'document'].includes(kind)) return null;
  const media = ctx.message.raw[kind] as { id?: string } | undefined;
  if (!media?.id) return null;
  const fwd = await ctx.services.media.forward(media.id, ctx.inbound.phoneNumberId ?? ctx.services.config.WHATSAPP_PHONE_NUMBER_ID ?? 'sandbox');
  return fwd ? wa.media(kind, { id: fwd.id }) : null;
}

function describe(text: string | null, type: string): string {
  return text ?? `[${type}]`;
}

/**
 * The hand-off. A manager's messages never reach the assistant: they are commands (/list,
 * /take N, /close, the "Взять" quick reply) or text relayed to the shopper they own. A shopper
 * with an open or taken escalation gets no bot answers: their messages go to the manager who
 * took it (or wait for one).
 */
export const handoffHandler: Handler = async (ctx, next) => {
  const { db, clock, escalationEvents } = ctx.services;
  // the console refreshes after anything that touches a hand-off
  const touched = () => ctx.afterCommit(async () => escalationEvents.changed(null));
  const me = ctx.shopper.key;
  const text = ctx.message.text?.trim() ?? '';

  if (managers(ctx).includes(me)) {
    touched();
    const take = text.match(/^\/take\s+(\d+)$/) ?? (ctx.message.replyId ?? '').match(/^take:(\d+)$/);
    if (text === '/list') {
      const open = await listEscalations(db, 'open');
      ctx.replyText(open.length ? open.map((e) => `#${e.id} · ${e.reason}\n${e.summary.slice(0, 200)}`).join('\n\n') : 'Очередь пуста.');
      return;
    }
    if (take) {
      const id = Number(take[1]);
      if (!(await takeEscalation(db, id, me, clock.now()))) {
        ctx.replyText(`Запрос #${id} уже взят или закрыт.`);
        return;
      }
      ctx.reply(wa.buttons({ body: `Запрос #${id} ваш. Пишите — сообщения уйдут покупателю.`, buttons: [{ id: `close:${id}`, title: 'Завершить' }] }));
      for (const other of managers(ctx).filter((m) => m !== me)) relay(ctx, other, wa.text(`Запрос #${id} взял другой менеджер.`), id);
      return;
    }
    const owned = await ownedBy(db, me);
    if (text === '/close' || (ctx.message.replyId ?? '').startsWith('close:')) {
      if (owned && (await closeEscalation(db, owned.id, clock.now()))) {
        ctx.replyText(`Запрос #${owned.id} закрыт.`);
        relay(ctx, owned.shopperKey, wa.text('Менеджер завершил разговор. Я снова на связи — чем помочь?'), 'closed');
      } else ctx.replyText('Нет запроса в работе.');
      return;
    }
    if (!owned) {
      ctx.replyText('Команды: /list — очередь, /take N — взять, /close — завершить.');
      return;
    }
    const fwd = await forwardMedia(ctx);
    if (fwd) relay(ctx, owned.shopperKey, fwd, 'media');
    if (ctx.message.text || !fwd) relay(ctx, owned.shopperKey, wa.text(describe(ctx.message.text, ctx.message.type)));
    return;
  }

  const esc = await activeEscalation(db, me);
  if (!esc) return next();
  touched();
  if (esc.status === 'taken' && esc.takenBy) {
    relay(ctx, esc.takenBy, wa.text(`👤 ${ctx.shopper.name ?? me} (#${esc.id}): ${describe(ctx.message.text, ctx.message.type)}`));
    const fwd = await forwardMedia(ctx);
    if (fwd) relay(ctx, esc.takenBy, fwd, 'media');
  }
  // open and not yet taken: the shopper was told a person will reply; the bot stays quiet
};
