import { createHash } from 'node:crypto';
import type { ReplyPlan } from './render.ts';
import type { AssistantTurn } from './assistant-turn.ts';
import {
  customerLabel,
  encodePayload,
  fit,
  LIMITS,
  formatPrice,
  say,
  toMinor,
  type wa,
  type CartLine,
  type CheckoutState,
  type OrderDraft,
  type Product,
} from './ports.ts';

/**
 * The cart and the checkout, as a conversation: what taps, words and the model's tools do to
 * the shopper's cart, and the steps from "checkout" to a placed order. Every write is an effect
 * of the turn (committed with the message, keyed by it); the cart is read once per turn and
 * kept here as it will be after the commit.
 */

const carts = new WeakMap<AssistantTurn, CartLine[]>();

async function lines(s: AssistantTurn): Promise<CartLine[]> {
  let c = carts.get(s);
  if (!c) carts.set(s, (c = await s.ctx.services.cart.readCart(s.db, s.shopper)));
  return c;
}

/** Writes lines' new quantities (0 removes) with the turn, and keeps the turn's copy current. */
function write(s: AssistantTurn, changed: CartLine[], opts: { replace?: boolean } = {}) {
  const now = s.ctx.services.clock.now();
  const shopper = s.shopper;
  const rows = changed.map((l) => ({ productId: l.productId, quantity: l.quantity, seenPrice: l.seenPrice }));
  const cart = s.ctx.services.cart;
  s.ctx.effect((tx) => cart.setCartLines(tx, shopper, rows, now, opts));
  const current = opts.replace ? [] : (carts.get(s) ?? []).filter((l) => !changed.some((c) => c.productId === l.productId));
  carts.set(s, [...changed.filter((l) => l.quantity > 0).map((l) => ({ ...l, updatedAt: now })), ...current]);
}

const available = (ls: CartLine[]) => ls.filter((l): l is CartLine & { product: Product } => l.product !== null && l.quantity > 0);
const count = (ls: CartLine[]) => available(ls).reduce((n, l) => n + l.quantity, 0);
const total = (ls: CartLine[]) => available(ls).reduce((n, l) => n + l.product.price * l.quantity, 0);
const currencyOf = (s: AssistantTurn, ls: CartLine[]) => available(ls)[0]?.product.currency ?? s.currency;
const money = (s: AssistantTurn, minor: number, ls: CartLine[]) => formatPrice(minor, currencyOf(s, ls), s.lang);
const t = (s: AssistantTurn, key: string, vars: Record<string, string | number> = {}) => say(s.deps.phrases, s.lang, key, vars);
const button = (s: AssistantTurn, payload: Parameters<typeof encodePayload>[0], key: string): wa.ReplyButton => ({
  id: encodePayload(payload),
  title: t(s, key),
});

export type AddResult =
  /** `quantity` is the line's quantity now, `before` what it was. */
  | { ok: true; product: Product; quantity: number; before: number; capped: boolean; lines: CartLine[] }
  | { ok: false; error: 'product not found' | 'out of stock'; product?: Product };

/**
 * Adds `quantity` of a product (or sets it, `set`), never more than the stock. The price the
 * shopper sees now is kept with the line, so checkout can say when it changed.
 */
export async function addToCart(s: AssistantTurn, productId: string, opts: { quantity?: number; set?: boolean } = {}): Promise<AddResult> {
  const ls = await lines(s);
  const line = ls.find((l) => l.productId === productId);
  const product = line?.product ?? (await s.catalog.get([productId], { activeOnly: true }))[0] ?? null;
  if (!product) return { ok: false, error: 'product not found' };
  if (product.stock <= 0) return { ok: false, error: 'out of stock', product };
  const want = opts.set ? (opts.quantity ?? 1) : (line?.quantity ?? 0) + (opts.quantity ?? 1);
  const quantity = Math.max(0, Math.min(want, product.stock, 999));
  write(s, [{ productId, name: product.name, quantity, seenPrice: product.price, product, updatedAt: s.ctx.services.clock.now() }]);
  s.ctx.event('cart_add', { product: productId, quantity });
  return { ok: true, product, quantity, before: line?.quantity ?? 0, capped: quantity < want, lines: await lines(s) };
}

/** The buttons under a cart change: go to checkout, see the cart, or ask a person. */
const cartButtons = (s: AssistantTurn) => [
  button(s, { kind: 'checkout' }, 'btn_checkout'),
  button(s, { kind: 'cart' }, 'btn_cart'),
  button(s, { kind: 'manager' }, 'btn_manager'),
];

/** "• name × 2 — 287 980 ₸" per line, then the total: the cart view's and the summary's lines. */
const linesWithTotal = (s: AssistantTurn, ls: Array<CartLine & { product: Product }>) => [
  ...ls.map((l) => `• ${l.product.name} × ${l.quantity} — ${money(s, l.product.price * l.quantity, ls)}`),
  t(s, 'cart_total', { total: money(s, total(ls), ls) }),
];

/** "Your cart: 3 items, …" after a change, or nothing when it is empty. */
const cartNow = (s: AssistantTurn, ls: CartLine[]) => (count(ls) ? t(s, 'cart_summary', { count: count(ls), total: money(s, total(ls), ls) }) : '');

export function addedPlan(s: AssistantTurn, r: AddResult): ReplyPlan {
  if (!r.ok) {
    if (r.error === 'out of stock')
      return {
        text: t(s, 'cart_out_of_stock', { name: r.product!.name }),
        products: [],
        buttons: [button(s, { kind: 'alert', product: r.product!.id }, 'btn_alert')],
      };
    return { text: t(s, 'product_missing'), products: [] };
  }
  const text = [
    // «ещё одну» on a line of one: the cart now holds two, not «добавил × 2»
    r.quantity === 0
      ? t(s, 'cart_removed', { name: r.product.name })
      : t(s, r.before ? 'cart_line_now' : 'cart_added', { name: r.product.name, quantity: r.quantity }),
    r.capped ? t(s, 'cart_capped', { name: r.product.name, quantity: r.product.stock }) : '',
    cartNow(s, r.lines),
  ].filter(Boolean);
  return { text: text.join('\n'), products: [], buttons: count(r.lines) ? cartButtons(s) : undefined };
}

/** The cart as a message: a line per product with its quantity and sum, and the total. */
export async function cartView(s: AssistantTurn): Promise<ReplyPlan> {
  const ls = available(await lines(s));
  s.ctx.event('cart_view', { lines: ls.length });
  if (!ls.length) return { text: t(s, 'cart_empty'), products: [] };
  return {
    text: [t(s, 'cart_title'), ...linesWithTotal(s, ls)].join('\n'),
    products: [],
    buttons: [
      button(s, { kind: 'checkout' }, 'btn_checkout'),
      button(s, { kind: 'cart_clear' }, 'btn_cart_clear'),
      button(s, { kind: 'manager' }, 'btn_manager'),
    ],
  };
}

/** The cart data the model reads (view_cart, add_to_cart). */
export async function cartFacts(s: AssistantTurn) {
  const ls = available(await lines(s));
  return {
    lines: ls.map((l) => ({ product_id: l.productId, name: l.product.name, quantity: l.quantity, price_text: money(s, l.product.price, ls) })),
    items: count(ls),
    total_text: money(s, total(ls), ls),
  };
}

export async function removeFromCart(s: AssistantTurn, productId?: string): Promise<ReplyPlan> {
  const ls = await lines(s);
  const line = productId ? ls.find((l) => l.productId === productId) : ls[0];
  if (!line) return cartView(s);
  write(s, [{ ...line, quantity: 0 }]);
  const now = await lines(s);
  return {
    text: [t(s, 'cart_removed', { name: line.name }), cartNow(s, now)].filter(Boolean).join('\n'),
    products: [],
    buttons: count(now) ? cartButtons(s) : undefined,
  };
}

export async function emptyCart(s: AssistantTurn): Promise<ReplyPlan> {
  const ls = await lines(s);
  if (ls.length)
    write(
      s,
      ls.map((l) => ({ ...l, quantity: 0 })),
    );
  setCheckout(s, null);
  return { text: t(s, 'cart_cleared'), products: [] };
}

/** A WhatsApp `order` (a cart sent from the Meta catalog) becomes the cart, and checkout starts. */
export async function cartFromOrder(s: AssistantTurn, items: Array<{ productId: string; quantity: number; itemPrice: number | null }>): Promise<ReplyPlan> {
  const products = new Map(
    (
      await s.catalog.get(
        items.map((i) => i.productId),
        { activeOnly: true },
      )
    ).map((p) => [p.id, p]),
  );
  const now = s.ctx.services.clock.now();
  const rows: CartLine[] = items.map((i) => {
    const p = products.get(i.productId) ?? null;
    // the price the shopper saw is Meta's item_price (currency units); checkout compares ours with it
    const seen = p && i.itemPrice !== null ? toMinor(i.itemPrice, p.currency) : (p?.price ?? 0);
    return {
      productId: i.productId,
      name: p?.name ?? i.productId,
      quantity: Math.max(1, Math.min(999, Math.floor(i.quantity))),
      seenPrice: seen,
      product: p,
      updatedAt: now,
    };
  });
  write(s, rows, { replace: true });
  s.ctx.event('order_message', { lines: rows.length });
  return startCheckout(s);
}

type Change = { key: 'checkout_gone' | 'checkout_sold_out' | 'checkout_capped' | 'checkout_price'; vars: Record<string, string | number> };

/**
 * Checks the cart against the catalog as it is now: gone or sold-out lines leave, quantities
 * over the stock come down, changed prices are taken. Says what changed, in the shopper's words.
 */
async function reconcile(s: AssistantTurn): Promise<{ lines: Array<CartLine & { product: Product }>; changes: Change[] }> {
  const ls = await lines(s);
  const changes: Change[] = [];
  const changed: CartLine[] = [];
  for (const l of ls) {
    const p = l.product;
    if (!p) {
      changes.push({ key: 'checkout_gone', vars: { name: l.name } });
      changed.push({ ...l, quantity: 0 });
    } else if (p.stock <= 0) {
      changes.push({ key: 'checkout_sold_out', vars: { name: p.name } });
      changed.push({ ...l, quantity: 0 });
    } else {
      let next = l;
      if (p.stock < l.quantity) {
        changes.push({ key: 'checkout_capped', vars: { name: p.name, quantity: p.stock } });
        next = { ...next, quantity: p.stock };
      }
      if (p.price !== l.seenPrice) {
        changes.push({
          key: 'checkout_price',
          vars: { name: p.name, was: formatPrice(l.seenPrice, p.currency, s.lang), now: formatPrice(p.price, p.currency, s.lang) },
        });
        next = { ...next, seenPrice: p.price };
      }
      if (next !== l) changed.push(next);
    }
  }
  if (changed.length) write(s, changed);
  return { lines: available(await lines(s)), changes };
}

function setCheckout(s: AssistantTurn, state: CheckoutState | null) {
  const now = s.ctx.services.clock.now();
  const shopper = s.shopper;
  const cart = s.ctx.services.cart;
  s.ctx.effect((tx) => cart.saveCheckout(tx, shopper, state, now));
  checkouts.set(s, state);
}
const checkouts = new WeakMap<AssistantTurn, CheckoutState | null>();
const checkoutOf = (s: AssistantTurn): CheckoutState | null => (checkouts.has(s) ? checkouts.get(s)! : (s.ctx.shopper.checkout ?? null));

/** Where the checkout stands for this turn (null: none under way). */
export const checkoutStep = (s: AssistantTurn) => checkoutOf(s)?.step ?? null;

/** "Checkout": the lines checked against the catalog, then delivery or pickup. */
export async function startCheckout(s: AssistantTurn): Promise<ReplyPlan> {
  const { lines: ls, changes } = await reconcile(s);
  const said = changes.map((c) => t(s, c.key, c.vars));
  if (!ls.length) {
    setCheckout(s, null);
    return { text: [...said, t(s, 'cart_empty')].join('\n'), products: [] };
  }
  setCheckout(s, { step: 'fulfilment' });
  s.ctx.event('checkout_start', { lines: ls.length, total: total(ls) });
  return {
    text: [...said, t(s, 'checkout_how')].join('\n'),
    products: [],
    buttons: [
      button(s, { kind: 'fulfilment', how: 'delivery' }, 'btn_delivery'),
      button(s, { kind: 'fulfilment', how: 'pickup' }, 'btn_pickup'),
      button(s, { kind: 'checkout_cancel' }, 'btn_cancel'),
    ],
  };
}

export async function cancelCheckout(s: AssistantTurn): Promise<ReplyPlan> {
  setCheckout(s, null);
  return { text: t(s, 'checkout_cancelled'), products: [], buttons: [button(s, { kind: 'cart' }, 'btn_cart')] };
}

export type CheckoutInput =
  | { kind: 'fulfilment'; how: 'delivery' | 'pickup' }
  | { kind: 'address'; text: string; location?: CheckoutState['location'] }
  | { kind: 'name'; text: string };

/**
 * One answer to the step asked: delivery or pickup, then the address (words or a location),
 * then the name, then the summary. An answer with no checkout under way starts one.
 */
export async function checkoutAnswer(s: AssistantTurn, input: CheckoutInput): Promise<ReplyPlan> {
  const state = checkoutOf(s);
  if (!state) return startCheckout(s);
  let next: CheckoutState;
  if (input.kind === 'fulfilment')
    next =
      input.how === 'delivery'
        ? { ...state, fulfilment: 'delivery', step: state.address ? 'name' : 'address' }
        : { ...state, fulfilment: 'pickup', address: undefined, location: undefined, step: 'name' };
  else if (input.kind === 'address')
    next = { ...state, fulfilment: 'delivery', address: input.text.trim().slice(0, 500), location: input.location, step: 'name' };
  else next = { ...state, name: input.text.trim().slice(0, 120), step: 'confirm' };
  if (next.step === 'name' && next.name) next.step = 'confirm';
  setCheckout(s, next);
  if (next.step === 'address') return { text: t(s, 'checkout_address'), products: [] };
  if (next.step === 'name') {
    const known = s.ctx.shopper.name?.trim();
    // the WhatsApp profile name, offered as the answer
    return { text: t(s, 'checkout_name'), products: [], buttons: known ? [{ id: encodePayload({ kind: 'use_name' }), title: known.slice(0, 20) }] : undefined };
  }
  return summary(s, next, []);
}

/** The summary's digest: the lines, prices and details it showed; the confirm button carries it. */
function digest(ls: Array<CartLine & { product: Product }>, state: CheckoutState): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([ls.map((l) => [l.productId, l.quantity, l.product.price]).sort(), state.fulfilment, state.address ?? '', state.name ?? '']));
  return h.digest('hex').slice(0, 16);
}

async function summary(s: AssistantTurn, state: CheckoutState, preface: string[]): Promise<ReplyPlan> {
  const { lines: ls, changes } = await reconcile(s);
  const said = [...preface, ...changes.map((c) => t(s, c.key, c.vars))];
  if (!ls.length) {
    setCheckout(s, null);
    return { text: [...said, t(s, 'cart_empty')].join('\n'), products: [] };
  }
  const text = [
    ...said,
    t(s, 'checkout_summary'),
    ...linesWithTotal(s, ls),
    state.fulfilment === 'delivery' ? t(s, 'checkout_delivery_to', { address: state.address ?? '' }) : t(s, 'checkout_pickup'),
    t(s, 'checkout_name_line', { name: state.name ?? '' }),
    t(s, 'checkout_confirm'),
  ];
  return {
    text: text.join('\n'),
    products: [],
    buttons: [
      button(s, { kind: 'confirm', digest: digest(ls, state) }, 'btn_confirm'),
      button(s, { kind: 'checkout' }, 'btn_change'),
      button(s, { kind: 'checkout_cancel' }, 'btn_cancel'),
    ],
  };
}

/**
 * The confirm tap. The lines are checked once more; when anything differs from the summary the
 * tap confirmed (a price, the stock, an older summary's button), the new summary is shown
 * instead. Otherwise the order is placed in the turn's transaction, keyed by this message: a
 * redelivered tap, a crash or a second process cannot place it twice, reserve twice, or send a
 * second payment link or invoice (they are this turn's replies, committed with it).
 */
export async function confirmOrder(s: AssistantTurn, shown: string): Promise<ReplyPlan> {
  const state = checkoutOf(s);
  if (state?.step !== 'confirm' || !state.fulfilment || !state.name) return startCheckout(s);
  // the number is drawn while the cart is read (one round trip less); a confirm that finds
  // changes leaves a gap in the numbers, as a crashed turn does
  const [{ lines: ls, changes }, number] = await Promise.all([reconcile(s), s.ctx.services.orderNumbers.nextOrderNumber(s.db)]);
  if (!ls.length || changes.length || digest(ls, state) !== shown) {
    s.ctx.event('checkout_changed', { changes: changes.length, stale: digest(ls, state) !== shown });
    return summary(s, state, [t(s, 'checkout_changed'), ...changes.map((c) => t(s, c.key, c.vars))]);
  }

  const { orders, clock } = s.ctx.services;
  const sum = total(ls);
  const currency = currencyOf(s, ls);
  const paymentUrl = orders.paymentUrl(number, sum, currency);
  const draft: OrderDraft = {
    sourceKey: s.ctx.key('order'),
    number,
    shopperKey: s.shopper,
    checkout: { ...state, fulfilment: state.fulfilment, name: state.name },
    lines: ls.map((l) => ({ productId: l.productId, name: l.product.name, price: l.product.price, quantity: l.quantity })),
    currency,
    language: s.lang,
    paymentUrl,
    invoiceToken: s.ctx.services.orderNumbers.newInvoiceToken(),
    at: clock.now(),
  };
  const customer = customerLabel(state.name, s.shopper);
  s.ctx.effect(async (tx) => void (await orders.place(tx, draft, customer)));
  carts.set(s, []);
  checkouts.set(s, null);
  s.ctx.event('order_placed', { order: number, total: sum, currency, lines: ls.length });
  // the managers' console shows the new order at once
  s.ctx.afterCommit(async () => s.ctx.services.handoff.events.changed(null));
  const totalText = formatPrice(sum, currency, s.lang);
  const words = `${t(s, 'order_placed', { number, total: totalText })}\n${t(s, paymentUrl ? 'order_pay' : 'order_pay_on_delivery')}`;
  const confirmation = orders.confirmationMessage(
    draft.invoiceToken,
    number,
    fit(words, LIMITS.interactiveBody),
    paymentUrl ? { url: paymentUrl, label: t(s, 'btn_pay') } : null,
  );
  return { text: '', products: [], after: [confirmation] };
}

/**
 * Words about the cart, read with the lexicon's cart words (`ordinal`: "the second one" said with them): "в корзину", "ещё одну", "две
 * штуки", "корзина", "оформить", "убери", "очистить корзину", "доставка"/"самовывоз". Null
 * when the words are about something else (a search, a question).
 */
export async function cartWords(s: AssistantTurn, text: string, ordinal?: number): Promise<ReplyPlan | null> {
  const r = s.vocabulary.readCart(text);
  if (!r.action && r.quantity === null) return null;
  // "добавь диван в корзину" is a search; the cart words act on what was shown
  if (r.others.length > 2 && r.action !== 'view' && r.action !== 'checkout') return null;
  const last = (await lines(s))[0] ?? null;
  switch (r.action) {
    case 'view':
      if (r.others.length > 2) return null;
      return cartView(s);
    case 'checkout':
      return startCheckout(s);
    case 'clear':
      return emptyCart(s);
    case 'remove':
      return removeFromCart(s, matchLine(await lines(s), r.others)?.productId ?? last?.productId);
    case 'delivery':
    case 'pickup':
      return checkoutStep(s) === 'fulfilment' ? checkoutAnswer(s, { kind: 'fulfilment', how: r.action }) : null;
    case 'more':
      if (last) return addedPlan(s, await addToCart(s, last.productId, { quantity: r.quantity ?? 1 }));
      break;
    case null:
      // a bare quantity: the last product put in the cart, or the one on show
      if (last) return addedPlan(s, await addToCart(s, last.productId, { quantity: r.quantity ?? 1, set: true }));
      break;
  }
  // what was on show: one card is the product meant; from a list, "the second one" or a pick first
  const shown = [...s.history].reverse().find((e) => e.shown?.length)?.shown ?? [];
  const meant = shown.length === 1 ? shown[0] : ordinal ? shown[ordinal - 1] : undefined;
  if (!meant) return r.action ? { text: t(s, 'cart_which'), products: [] } : null;
  return addedPlan(s, await addToCart(s, meant.id, { quantity: r.quantity ?? 1 }));
}

/** The cart line whose product name holds the most of the words ("убери кресло"). */
function matchLine(ls: CartLine[], words: string[]): CartLine | null {
  let best: CartLine | null = null;
  let score = 0;
  for (const l of ls) {
    const name = l.name.toLowerCase();
    const n = words.filter((w) => w.length >= 3 && name.includes(w.slice(0, Math.max(3, w.length - 2)))).length;
    if (n > score) [best, score] = [l, n];
  }
  return best;
}
