import type { Handler } from './context.ts';

/** A WhatsApp catalog `order` (a cart to confirm) is for a person: it opens a hand-off with the cart. */
export const orderHandler: Handler = async (ctx, next) => {
  if (ctx.message.type !== 'order') return next();
  const order = ctx.message.raw.order as { product_items?: Array<{ product_retailer_id?: string; quantity?: number; item_price?: number; currency?: string }>; text?: string } | undefined;
  const items = (order?.product_items ?? []).map((i) => `${i.product_retailer_id ?? '?'} × ${i.quantity ?? 1} (${i.item_price ?? '?'} ${i.currency ?? ''})`).join('; ');
  await ctx.services.assistant.manager(ctx, `🛒 ${items}`, `order to confirm: ${items}`.slice(0, 500));
};

