import { compose, kindOf, type Handler } from './context.ts';

/**
 * BOT=echo: answers every message with what it received. For checking the WhatsApp wiring
 * end to end (webhook, inbox, outbox, statuses) without a catalog or a model; the crash test
 * and the intake benchmark use it so every reply names its message.
 */
export const echoHandler: Handler = async (ctx) => {
  const m = ctx.message;
  ctx.replyText(m.type === 'text' ? `Эхо: ${m.text ?? ''}` : `Эхо: [${kindOf(m)}${m.replyId ? ` ${m.replyId}` : ''}]`);
};

export const runEchoTurn = compose([echoHandler]);
