import { addedPlan, addToCart, cancelCheckout, cartView, checkoutAnswer, confirmOrder, emptyCart, startCheckout } from '../core/cart.ts';
import { parsePayload } from '../src/whatsapp/payloads.ts';
import { on } from './context.ts';

/**
 * Taps: a list row (its id is a product id) opens that product's card; our reply buttons and
 * template quick replies carry their action (src/whatsapp/payloads.ts) and run it directly,
 * without the model. Anything else is treated as the words on the button.
 */
export const interactiveHandler = on(['interactive', 'button'], async (ctx, next) => {
  const { assistant } = ctx.services;
  const tap = parsePayload(ctx.message.replyId);
  const said = ctx.message.text ?? ctx.message.replyId ?? '';
  switch (tap?.kind) {
    case 'alert':
      return tap.level ? assistant.setAlert(ctx, tap.product, tap.level, said) : assistant.alertOptions(ctx, tap.product, said);
    case 'product':
    case 'row':
      // price_alert_notification's "Показать товар" carries product:SKU; a list row the bare id
      if (await assistant.showProduct(ctx, tap.product, said)) return;
      break;
    case 'arrivals':
      // new_arrivals_notification's "Показать новинки"
      return assistant.reply(ctx, tap.category);
    case 'similar':
      return assistant.similar(ctx, tap.product, said);
    case 'manager':
      return assistant.manager(ctx, said, 'shopper tapped the manager button');
    case 'cart_add':
      return assistant.shop(ctx, said, async (s) => addedPlan(s, await addToCart(s, tap.product)));
    case 'cart':
      return assistant.shop(ctx, said, cartView);
    case 'cart_clear':
      return assistant.shop(ctx, said, emptyCart);
    case 'checkout':
      return assistant.shop(ctx, said, startCheckout);
    case 'checkout_cancel':
      return assistant.shop(ctx, said, cancelCheckout);
    case 'fulfilment':
      return assistant.shop(ctx, said, (s) => checkoutAnswer(s, { kind: 'fulfilment', how: tap.how }));
    case 'use_name':
      return assistant.shop(ctx, said, (s) => checkoutAnswer(s, { kind: 'name', text: ctx.shopper.name ?? said }));
    case 'confirm':
      return assistant.shop(ctx, said, (s) => confirmOrder(s, tap.digest));
  }
  if (said) return assistant.reply(ctx, said);
  return next();
});
