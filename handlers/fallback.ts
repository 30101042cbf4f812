import type { Handler } from './context.ts';
import { say } from '../src/phrases.ts';

/** Anything no handler took (stickers, locations, unsupported types) still gets an answer. */
export const fallbackHandler: Handler = async (ctx) => {
  const { assistant } = ctx.services;
  ctx.replyText(say(assistant.phrases, await assistant.languageOf(ctx), 'unsupported'));
};
