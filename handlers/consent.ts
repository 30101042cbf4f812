import { parsePayload } from '../src/whatsapp/payloads.ts';
import type { Handler } from './context.ts';
import { detectLanguage } from '../core/language.ts';
import { setMarketingConsent } from '../src/shoppers/shopper-repo.ts';

const STOP = /^(stop|стоп|тоқта|токта|отписаться|отписка|unsubscribe|жазылымнан шығу)[.!]?$/i;
const START = /^(start|старт|бастау|подписаться|subscribe)[.!]?$/i;

/**
 * STOP / СТОП / ТОҚТА (and "отписаться", "unsubscribe", the template's Unsubscribe button)
 * stop marketing messages; START resumes them. Recorded with the time, confirmed in the
 * shopper's language, checked by the sender at send time.
 */
export const consentHandler: Handler = async (ctx, next) => {
  const words =
    (ctx.message.type === 'text'
      ? ctx.message.text
      : parsePayload(ctx.message.replyId)?.kind === 'unsubscribe'
        ? 'unsubscribe'
        : ctx.message.type === 'button'
          ? ctx.message.text
          : null
    )?.trim() ?? '';
  const stop = STOP.test(words);
  if (!stop && !START.test(words)) return next();
  const { assistant, clock } = ctx.services;
  const lang =
    ctx.message.type === 'text' ? detectLanguage(words, await assistant.languageOf(ctx), ctx.services.vocabulary.current()) : await assistant.languageOf(ctx);
  const key = ctx.shopper.key;
  const at = clock.now();
  ctx.effect((tx) => setMarketingConsent(tx, key, stop, at));
  await assistant.sayPhrase(ctx, stop ? 'optout_confirm' : 'optin_confirm', {}, lang);
};
