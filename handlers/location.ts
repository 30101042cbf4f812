import { checkoutAnswer } from '../core/cart.ts';
import { on } from './context.ts';

/**
 * A shared location answers the checkout's address question; anywhere else it goes on (the
 * fallback says what the assistant understands).
 */
export const locationHandler = on('location', async (ctx, next) => {
  const l = ctx.message.location;
  if (!ctx.shopper.checkout?.step || typeof l.latitude !== 'number' || typeof l.longitude !== 'number') return next();
  const text = [l.name, l.address].filter(Boolean).join(', ') || `📍 ${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)}`;
  const location = { latitude: l.latitude, longitude: l.longitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) };
  return ctx.services.assistant.shop(ctx, `📍 ${text}`, (s) => checkoutAnswer(s, { kind: 'address', text, location }));
});
