import { on } from './context.ts';

/** Words go to the assistant (the model with tools, or the offline rules). */
export const textHandler = on('text', async (ctx, next) => {
  if (!ctx.message.text?.trim()) return next();
  await ctx.services.assistant.reply(ctx, ctx.message.text);
});
