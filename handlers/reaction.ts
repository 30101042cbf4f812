import { on } from './context.ts';

/**
 * A reaction (👍 on a reply) gets no answer: since 2026-10-01 every message we send is billed,
 * and none is needed. Analytics counts reactions as needing none.
 */
export const reactionHandler = on('reaction', (ctx) => {
  ctx.log.debug({ emoji: ctx.message.reaction.emoji }, 'a reaction: no reply');
});
