import type { Handler } from './context.ts';

/**
 * Taps: a list row (its id is a product id) opens that product's card; our reply buttons
 * carry their action in the id and run it directly, without the model. Anything else is
 * treated as the words on the button.
 */
export const interactiveHandler: Handler = async (ctx, next) => {
  if (ctx.message.type !== 'interactive' && ctx.message.type !== 'button') return next();
  const { assistant } = ctx.services;
  const id = ctx.message.replyId ?? '';
  const said = ctx.message.text ?? id;
  const alert = id.match(/^alert:(.+?)(?::(any|10|20))?$/);
  if (alert) {
    return alert[2] ? assistant.setAlert(ctx, alert[1]!, alert[2] as 'any' | '10' | '20', said) : assistant.alertOptions(ctx, alert[1]!, said);
  }
  // quick replies of our templates: "Показать товар" carries product:SKU
  const product = id.match(/^product:(.+)$/);
  if (product && (await assistant.showProduct(ctx, product[1]!, said))) return;
  // new_arrivals_notification's "Показать новинки" carries arrivals:<category>
  const arrivals = id.match(/^arrivals:(.+)$/);
  if (arrivals) return assistant.reply(ctx, arrivals[1]!);
  const similar = id.match(/^similar:(.+)$/);
  if (similar) return assistant.similar(ctx, similar[1]!, said);
  if (id === 'manager') return assistant.manager(ctx, said, 'shopper tapped the manager button');
  if (id && (await assistant.showProduct(ctx, id, said))) return;
  if (said) return assistant.reply(ctx, said);
  return next();
};
