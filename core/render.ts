import type { Lang } from './language.ts';
import { say, type PhraseBook } from './ports.ts';
import { wa, LIMITS, encodePayload, fit, formatPrice, type Product } from './ports.ts';

/** What a turn decided to say; code, not the model, turns it into WhatsApp messages. */
export interface ReplyPlan {
  text: string;
  products: Product[];
  /** Quick replies under the text (≤3), when no product card carries its own. */
  buttons?: wa.ReplyButton[];
}


function rowDescription(p: Product, lang: Lang, book: PhraseBook): string {
  const price = formatPrice(p.price, p.currency, lang);
  const extra = [p.color, p.stock > 0 ? null : say(book, lang, 'out_of_stock')].filter(Boolean).join(' · ');
  return fit(extra ? `${price} · ${extra}` : price, LIMITS.rowDescription);
}

export function cardCaption(p: Product, lang: Lang, book: PhraseBook): string {
  const price = p.oldPrice && p.oldPrice > p.price ? `${formatPrice(p.price, p.currency, lang)} ~${formatPrice(p.oldPrice, p.currency, lang)}~` : formatPrice(p.price, p.currency, lang);
  const lines = [
    `*${p.name}*`,
    price,
    [p.color, p.style, p.material].filter(Boolean).join(' · '),
    say(book, lang, p.stock > 0 ? 'in_stock' : 'out_of_stock'),
    p.url ?? '',
  ].filter(Boolean);
  return fit(lines.join('\n'), LIMITS.caption);
}

export function cardButtons(p: Product, lang: Lang, book: PhraseBook): wa.ReplyButton[] {
  return [
    { id: encodePayload({ kind: 'alert', product: p.id }), title: fit(say(book, lang, 'btn_alert'), LIMITS.buttonTitle) },
    { id: encodePayload({ kind: 'similar', product: p.id }), title: fit(say(book, lang, 'btn_similar'), LIMITS.buttonTitle) },
    { id: encodePayload({ kind: 'manager' }), title: fit(say(book, lang, 'btn_manager'), LIMITS.buttonTitle) },
  ];
}

function buttonsMessage(body: string, buttons: wa.ReplyButton[]): wa.OutboundMessage {
  const seen = new Set<string>();
  const unique = buttons
    .map((b) => ({ id: b.id.slice(0, LIMITS.buttonId), title: fit(b.title, LIMITS.buttonTitle) }))
    .filter((b) => !seen.has(b.title) && seen.add(b.title))
    .slice(0, LIMITS.buttons);
  return wa.buttons({ body: fit(body, LIMITS.interactiveBody), buttons: unique });
}

/** The plan as WhatsApp messages that fit every limit. */
export function render(plan: ReplyPlan, lang: Lang, book: PhraseBook): wa.OutboundMessage[] {
  const out: wa.OutboundMessage[] = [];
  const products = plan.products.slice(0, LIMITS.listRows);
  const text = plan.text.trim();

  if (products.length >= 2) {
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
            rows: products.map((p) => ({ id: encodePayload({ kind: 'row', product: p.id }).slice(0, LIMITS.rowId), title: fit(p.name, LIMITS.rowTitle), description: rowDescription(p, lang, book) })),
          },
        ],
      }),
    );
    return out;
  }

  if (products.length === 1) {
    const p = products[0]!;
    const caption = cardCaption(p, lang, book);
    if (text) out.push(wa.text(fit(text, LIMITS.textBody)));
    if (p.imageUrl) {
      out.push(wa.media('image', { link: p.imageUrl }, { caption }));
      out.push(buttonsMessage(fit(p.name, LIMITS.interactiveBody), cardButtons(p, lang, book)));
    } else {
      out.push(buttonsMessage(caption, cardButtons(p, lang, book)));
    }
    return out;
  }

  if (plan.buttons?.length) out.push(buttonsMessage(text || '…', plan.buttons));
  else if (text) out.push(wa.text(fit(text, LIMITS.textBody)));
  return out;
}
