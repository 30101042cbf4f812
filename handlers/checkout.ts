import { checkoutAnswer } from '../core/cart.ts';
import { classify } from '../core/offline-assistant.ts';
import type { Handler } from './context.ts';

/**
 * A guard: the checkout's questions answered in words, the address and the name (a `location`
 * is handlers/location.ts). Words about something else — the cart, a person — go on to the
 * assistant, and the checkout waits where it was.
 */
export const checkoutHandler: Handler = async (ctx, next) => {
  const step = ctx.shopper.checkout?.step ?? null;
  const { assistant, vocabulary } = ctx.services;
  const text = ctx.message.text?.trim();
  if (ctx.message.type !== 'text' || !text || (step !== 'address' && step !== 'name')) return next();
  const v = vocabulary.current();
  const intent = classify(text, v).kind;
  if (v.readCart(text).action || intent === 'manager' || intent === 'complaint') return next();
  return assistant.shop(ctx, text, (s) => checkoutAnswer(s, step === 'address' ? { kind: 'address', text } : { kind: 'name', text }));
};
