import { checkoutAnswer } from '../core/cart.ts';
import { classify } from '../core/offline-assistant.ts';
import type { Handler } from './context.ts';

interface LocationMessage {
  latitude?: number;
  longitude?: number;
  name?: string;
  address?: string;
}

/**
 * The checkout's questions answered in words or with a location: the address (text, or a
 * `location` message) and the name. Words about something else — the cart, a person — go on to
 * the assistant, and the checkout waits where it was.
 */
export const checkoutHandler: Handler = async (ctx, next) => {
  const step = ctx.shopper.checkout?.step ?? null;
  const { assistant, vocabulary } = ctx.services;
  if (ctx.message.type === 'location') {
    if (!step) return next();
    const l = (ctx.message.raw.location ?? {}) as LocationMessage;
    if (typeof l.latitude !== 'number' || typeof l.longitude !== 'number') return next();
    const text = [l.name, l.address].filter(Boolean).join(', ') || `📍 ${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)}`;
    const location = { latitude: l.latitude, longitude: l.longitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) };
    return assistant.shop(ctx, `📍 ${text}`, (s) => checkoutAnswer(s, { kind: 'address', text, location }));
  }
  const text = ctx.message.text?.trim();
  if (ctx.message.type !== 'text' || !text || (step !== 'address' && step !== 'name')) return next();
  const v = vocabulary.current();
  const intent = classify(text, v).kind;
  if (v.readCart(text).action || intent === 'manager' || intent === 'complaint') return next();
  return assistant.shop(ctx, text, (s) => checkoutAnswer(s, step === 'address' ? { kind: 'address', text } : { kind: 'name', text }));
};
