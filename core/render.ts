import type { Lang } from './language.ts';
import { say, type PhraseBook } from './ports.ts';
import { wa, LIMITS, encodePayload, fit, formatPrice, variantLabel, type Family, type Product } from './ports.ts';

/** What a turn decided to say; code, not the model, turns it into WhatsApp messages. */
export interface ReplyPlan {
  text: string;
  products: Product[];
  /** Quick replies under the text (≤3), when no product card carries its own. */
  buttons?: wa.ReplyButton[];
  /** Messages after the answer, as built (a payment link, an invoice). */
  after?: wa.OutboundMessage[];
}

const axisName = (key: string, lang: Lang, book: PhraseBook) => (key === 'color' ? say(book, lang, 'variant_color') : key);

function priceRange(f: Family, lang: Lang): string {
  const prices = f.variants.map((v) => v.price);
  const [min, max] = [Math.min(...prices), Math.max(...prices)];
  const cur = f.variants[0]!.currency;
  return min === max ? formatPrice(min, cur, lang) : `${formatPrice(min, cur, lang)} – ${formatPrice(max, cur, lang)}`;
}

function rowDescription(p: Product, lang: Lang, book: PhraseBook): string {
  if (p.family) {
    const f = p.family;
    const axes = f.axes.map((a) => `${axisName(a.key, lang, book)}: ${a.values.join(', ')}`);
    const parts = [priceRange(f, lang), ...(axes.length ? axes : [say(book, lang, 'variants', { n: f.variants.length })])];
    return fit(parts.join(' · '), LIMITS.rowDescription);
  }
  const price = formatPrice(p.price, p.currency, lang);
  const extra = [p.color, p.stock > 0 ? null : say(book, lang, 'out_of_stock')].filter(Boolean).join(' · ');
  return fit(extra ? `${price} · ${extra}` : price, LIMITS.rowDescription);
}

/**
 * Row titles that tell the rows apart within WhatsApp's 24 characters: a product sold in
 * variants by its own name; names that would read alike once cut keep their first word and
 * what follows the words they share ("Кроссовки … женские").
 */
export function rowTitles(products: Product[]): string[] {
  const names = products.map((p) => p.family?.name ?? p.name);
  const cut = names.map((n) => fit(n, LIMITS.rowTitle));
  return names.map((name, i) => {
    const alike = names.filter((_, j) => cut[j] === cut[i]);
    // one name twice is one product twice (the description tells them apart): nothing to shorten
    if (alike.length < 2 || alike.every((n) => n === name)) return cut[i]!;
    const words = alike.map((n) => n.split(/\s+/));
    let shared = 0;
    while (words.every((w) => w[shared] !== undefined && w[shared] === words[0]![shared]) && shared < words[0]!.length - 1) shared++;
    const own = name.split(/\s+/);
    return fit(shared > 1 ? `${own[0]} … ${own.slice(shared).join(' ')}` : name, LIMITS.rowTitle);
  });
}

/** The card's lines on a product's variants: each axis with this variant's value in bold, and how to ask for another. */
function variantLines(p: Product, lang: Lang, book: PhraseBook): string[] {
  const f = p.family;
  if (!f) return [];
  const mine = variantLabel(p, f).split(', ');
  const lines = f.axes.map((a) => `${axisName(a.key, lang, book)}: ${a.values.map((v) => (mine.includes(v) ? `*${v}*` : v)).join(' · ')}`);
  const other = f.variants.find((v) => v.id !== p.id);
  return other ? [...lines, say(book, lang, 'variants_hint', { example: variantLabel(other, f) || other.name })] : lines;
}

export function cardCaption(p: Product, lang: Lang, book: PhraseBook): string {
  const price =
    p.oldPrice && p.oldPrice > p.price
      ? `${formatPrice(p.price, p.currency, lang)} ~${formatPrice(p.oldPrice, p.currency, lang)}~`
      : formatPrice(p.price, p.currency, lang);
  const lines = [
    `*${p.name}*`,
    price,
    [p.color, p.style, p.material].filter(Boolean).join(' · '),
    say(book, lang, p.stock > 0 ? 'in_stock' : 'out_of_stock'),
    ...variantLines(p, lang, book),
    p.url ?? '',
  ].filter(Boolean);
  return fit(lines.join('\n'), LIMITS.caption);
}

/**
 * A card keeps three buttons (Meta's limit): buy it (or, out of stock, be told when it is back),
 * watch its price, more like it. A person stays reachable from every cart message's buttons and
 * in words ("менеджер").
 */
export function cardButtons(p: Product, lang: Lang, book: PhraseBook): wa.ReplyButton[] {
  const b = (payload: Parameters<typeof encodePayload>[0], key: string) => ({
    id: encodePayload(payload),
    title: fit(say(book, lang, key), LIMITS.buttonTitle),
  });
  return [
    p.stock > 0 ? b({ kind: 'cart_add', product: p.id }, 'btn_cart_add') : b({ kind: 'manager' }, 'btn_manager'),
    b({ kind: 'alert', product: p.id }, 'btn_alert'),
    b({ kind: 'similar', product: p.id }, 'btn_similar'),
  ];
}

function buttonsMessage(body: string, buttons: wa.ReplyButton[], header?: { type: 'image'; image: { link: string } }): wa.OutboundMessage {
  const seen = new Set<string>();
  const unique = buttons
    .map((b) => ({ id: b.id.slice(0, LIMITS.buttonId), title: fit(b.title, LIMITS.buttonTitle) }))
    .filter((b) => !seen.has(b.title) && seen.add(b.title))
    .slice(0, LIMITS.buttons);
  return wa.buttons({ ...(header ? { header } : {}), body: fit(body, LIMITS.interactiveBody), buttons: unique });
}

/** The plan as WhatsApp messages that fit every limit. */
export function render(plan: ReplyPlan, lang: Lang, book: PhraseBook, opts: { catalogId?: string } = {}): wa.OutboundMessage[] {
  const answer = opts.catalogId && plan.products.length ? renderCatalog(plan, lang, book, opts.catalogId) : renderAnswer(plan, lang, book);
  return [...answer, ...(plan.after ?? [])];
}

/**
 * With a Meta catalog (WHATSAPP_CATALOG_ID) products go out as WhatsApp draws them: several as
 * one `product_list` (header and body required; sections by category, ≤ 30 products), one as a
 * `product` message followed by our buttons. WhatsApp's own cart then sends an `order`.
 */
function renderCatalog(plan: ReplyPlan, lang: Lang, book: PhraseBook, catalogId: string): wa.OutboundMessage[] {
  const text = plan.text.trim();
  const products = plan.products.slice(0, LIMITS.productListItems);
  if (products.length === 1) {
    const p = products[0]!;
    return [
      wa.product({ catalogId, retailerId: p.id, ...(text ? { body: fit(text, LIMITS.interactiveBody) } : {}) }),
      buttonsMessage(fit(p.name, LIMITS.interactiveBody), cardButtons(p, lang, book)),
    ];
  }
  const byCategory = new Map<string, string[]>();
  for (const p of products) {
    const title = fit(p.category || say(book, lang, 'list_section'), LIMITS.sectionTitle);
    byCategory.set(title, [...(byCategory.get(title) ?? []), p.id]);
  }
  const sections = [...byCategory.entries()].slice(0, LIMITS.productListSections).map(([title, retailerIds]) => ({ title, retailerIds }));
  return [
    wa.productList({
      catalogId,
      header: fit(say(book, lang, 'list_section'), LIMITS.productListHeader),
      body: fit(text || say(book, lang, 'found', { filters: '' }), LIMITS.interactiveBody),
      sections,
    }),
  ];
}

function renderAnswer(plan: ReplyPlan, lang: Lang, book: PhraseBook): wa.OutboundMessage[] {
  const out: wa.OutboundMessage[] = [];
  const products = plan.products.slice(0, LIMITS.listRows);
  const text = plan.text.trim();

  if (products.length >= 2) {
    const titles = rowTitles(products);
    let body = text || say(book, lang, 'found', { filters: '' });
    if (body.length > LIMITS.interactiveBody) {
      out.push(wa.text(fit(body, LIMITS.textBody)));
      body = say(book, lang, 'found', { filters: '' });
    }
    out.push(
      wa.list({
        body: fit(body, LIMITS.interactiveBody),
        button: fit(say(book, lang, 'list_button'), LIMITS.listButton),
        sections: [
          {
            title: fit(say(book, lang, 'list_section'), LIMITS.sectionTitle),
            rows: products.map((p, i) => ({
              id: encodePayload({ kind: 'row', product: p.id }).slice(0, LIMITS.rowId),
              title: titles[i]!,
              description: rowDescription(p, lang, book),
            })),
          },
        ],
      }),
    );
    return out;
  }

  if (products.length === 1) {
    // One billed message per card (Meta bills every message since 2026-10-01): the picture as
    // the button message's image header, the turn's words above the card's in its body.
    const p = products[0]!;
    const caption = cardCaption(p, lang, book);
    const both = text ? `${text}\n\n${caption}` : caption;
    // words too long to share the body go first, on their own
    const shared = both.length <= LIMITS.interactiveBody;
    if (!shared) out.push(wa.text(fit(text, LIMITS.textBody)));
    const body = shared ? both : caption;
    const header = p.imageUrl ? { type: 'image' as const, image: { link: p.imageUrl } } : undefined;
    out.push(buttonsMessage(body, cardButtons(p, lang, book), header));
    return out;
  }

  if (plan.buttons?.length) out.push(buttonsMessage(text || '…', plan.buttons));
  else if (text) out.push(wa.text(fit(text, LIMITS.textBody)));
  return out;
}
