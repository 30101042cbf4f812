import type { Handler } from '../src/context.ts';

/** A tapped list row, reply button or template quick reply. */
export const interactiveHandler: Handler = async (ctx, next) => {
  if (ctx.message.type !== 'interactive' && ctx.message.type !== 'button') return next();
  ctx.replyText(`Вы выбрали: ${ctx.message.text ?? ctx.message.replyId ?? '—'}`);
};
