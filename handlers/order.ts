import { cartFromOrder } from '../core/cart.ts';
import { on } from './context.ts';

/**
 * A WhatsApp `order` (a cart sent from the store's Meta catalog) becomes the shopper's cart and
 * goes to checkout. `product_retailer_id` is our SKU; `item_price` is what the shopper saw, in
 * currency units — checkout says when ours differs.
 */
export const orderHandler = on('order', async (ctx) => {
  const { order } = ctx.message;
  const items = (order.product_items ?? [])
    .filter((i) => typeof i.product_retailer_id === 'string' && i.product_retailer_id)
    .map((i) => ({
      productId: i.product_retailer_id!,
      quantity: Number(i.quantity) || 1,
      itemPrice: Number.isFinite(Number(i.item_price)) && i.item_price !== undefined ? Number(i.item_price) : null,
    }));
  const said = `🛒 ${items.map((i) => `${i.productId} × ${i.quantity}`).join(', ')}${order.text ? ` — ${order.text}` : ''}`;
  // an order without a product we can read: nothing to check out
  if (!items.length) return ctx.services.assistant.sayPhrase(ctx, 'cart_empty');
  await ctx.services.assistant.shop(ctx, said, (s) => cartFromOrder(s, items));
});
