import type { Handler } from './context.ts';
import { say } from '../src/phrases.ts';
import { kvKeys } from '../src/kv/kv.ts';

/**
 * A shopper over FLOOD_LIMIT_PER_MINUTE turns gets one polite notice and then silence (no
 * model calls) until the minute passes. The counter lives in the store, so the limit holds
 * across processes; with the store down, nobody is limited.
 */
export const floodHandler: Handler = async (ctx, next) => {
  const { kv, clock, config, assistant } = ctx.services;
  const minute = Math.floor(clock.now().getTime() / 60_000);
  let count: number;
  try {
    count = await kv.incr(kvKeys.flood(ctx.shopper.key, minute), 61_000);
  } catch {
    return next();
  }
  const limit = config.FLOOD_LIMIT_PER_MINUTE;
  if (count <= limit) return next();
  ctx.log.info({ count, limit }, 'shopper over the per-minute limit');
  if (count === limit + 1) ctx.replyText(say(assistant.phrases, await assistant.languageOf(ctx), 'flood_notice'));
};
