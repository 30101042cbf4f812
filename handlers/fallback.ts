import type { Handler } from '../src/context.ts';

/** Anything no handler took (stickers, locations, unsupported types) still gets an answer. */
export const fallbackHandler: Handler = async (ctx) => {
  ctx.replyText('Пока я понимаю только текст. Напишите, что вы ищете 🙂');
};
