import { acknowledges } from '../core/offline-assistant.ts';
import type { Handler, TurnContext } from './context.ts';

/** A reaction, or words that only acknowledge. */
export const acknowledgement = (ctx: TurnContext): boolean => {
  const { type, text } = ctx.message;
  return type === 'reaction' || (type === 'text' && !!text && acknowledges(text, ctx.services.vocabulary.current()));
};

/**
 * A reaction, or words that only acknowledge ("ok", «спасибо», «рахмет», 👍), get no reply:
 * since 2026-10-01 Meta bills every message we send, and none is needed (the analytics count
 * reactions as needing no answer). Anything else goes on.
 */
export const acknowledgementHandler: Handler = async (ctx, next) => {
  if (acknowledgement(ctx)) {
    ctx.log.debug({ type: ctx.message.type }, 'an acknowledgement: no reply');
    return;
  }
  return next();
};
