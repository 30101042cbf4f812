import { acknowledges } from '../core/offline-assistant.ts';
import type { Handler, TurnContext } from './context.ts';

/** Words that only acknowledge: "ok", «спасибо», «рахмет», 👍 typed as a message. */
export const onlyAcknowledges = (ctx: TurnContext): boolean =>
  ctx.message.type === 'text' && !!ctx.message.text && acknowledges(ctx.message.text, ctx.services.vocabulary.current());

/**
 * A guard: words that only acknowledge get no reply, since 2026-10-01 Meta bills every message
 * we send and none is needed (a reaction is handlers/reaction.ts). Anything else goes on.
 */
export const acknowledgementHandler: Handler = async (ctx, next) => {
  if (onlyAcknowledges(ctx)) {
    ctx.log.debug('an acknowledgement: no reply');
    return;
  }
  return next();
};
