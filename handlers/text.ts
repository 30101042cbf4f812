import type { Handler } from './context.ts';

/** Words go to the assistant (the model with tools, or the offline rules). */
export const textHandler: Handler = async (ctx, next) => {
  if (ctx.message.type !== 'text' || !ctx.message.text?.trim()) return next();
  await ctx.services.assistant.reply(ctx, ctx.message.text);
};
