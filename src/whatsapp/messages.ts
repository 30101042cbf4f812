/**
 * Outbound message bodies as the Cloud API takes them (`type` plus its object), without the
 * recipient envelope, which the client adds at send time. Builders do not truncate: the
 * renderer (core) fits text to limits; these shapes are checked against Meta's fixtures.
 */
export type OutboundMessage =
  | { type: 'text'; text: { body: string; preview_url?: boolean }; context?: { message_id: string } }
  | { type: 'interactive'; interactive: Record<string, unknown>; context?: { message_id: string } }
  | { type: 'image' | 'audio' | 'document' | 'video' | 'sticker'; [k: string]: unknown }
  | { type: 'template'; template: TemplatePayload }
  | { type: 'reaction'; reaction: { message_id: string; emoji: string } };

export interface TemplatePayload {
  name: string;
  language: { code: string };
  components?: Array<Record<string, unknown>>;
}

/** Who a message goes to: a phone (`to`) or, for username-only shoppers, the BSUID (`recipient`). */
export type Recipient = { waId: string } | { userId: string };

export function envelope(recipient: Recipient, message: OutboundMessage): Record<string, unknown> {
  const who = 'waId' in recipient ? { to: `+${recipient.waId.replace(/^\+/, '')}` } : { recipient: recipient.userId };
  return { messaging_product: 'whatsapp', recipient_type: 'individual', ...who, ...message };
}

export const text = (body: string, opts: { previewUrl?: boolean; replyTo?: string } = {}): OutboundMessage => ({
  type: 'text',
  text: opts.previewUrl !== undefined ? { preview_url: opts.previewUrl, body } : { body },
  ...(opts.replyTo ? { context: { message_id: opts.replyTo } } : {}),
});

type Header = { type: 'text'; text: string } | { type: 'image' | 'video' | 'document'; [k: string]: unknown };

export interface ReplyButton {
  id: string;
  title: string;
}

export function buttons(opts: { body: string; buttons: ReplyButton[]; header?: Header; footer?: string }): OutboundMessage {
  return {
    type: 'interactive',
    interactive: {
      type: 'button',
      ...(opts.header ? { header: opts.header } : {}),
      body: { text: opts.body },
      ...(opts.footer ? { footer: { text: opts.footer } } : {}),
      action: { buttons: opts.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
    },
  };
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export function list(opts: {
  body: string;
  button: string;
  sections: Array<{ title?: string; rows: ListRow[] }>;
  header?: string;
  footer?: string;
}): OutboundMessage {
  return {
    type: 'interactive',
    interactive: {
      type: 'list',
      ...(opts.header ? { header: { type: 'text', text: opts.header } } : {}),
      body: { text: opts.body },
      ...(opts.footer ? { footer: { text: opts.footer } } : {}),
      action: {
        button: opts.button,
        sections: opts.sections.map((s) => ({
          ...(s.title ? { title: s.title } : {}),
          rows: s.rows.map((r) => ({ id: r.id, title: r.title, ...(r.description ? { description: r.description } : {}) })),
        })),
      },
    },
  };
}

export function ctaUrl(opts: { body: string; displayText: string; url: string; header?: Header; footer?: string }): OutboundMessage {
  return {
    type: 'interactive',
    interactive: {
      type: 'cta_url',
      ...(opts.header ? { header: opts.header } : {}),
      body: { text: opts.body },
      action: { name: 'cta_url', parameters: { display_text: opts.displayText, url: opts.url } },
      ...(opts.footer ? { footer: { text: opts.footer } } : {}),
    },
  };
}

/**
 * One product of the store's Meta catalog (`product_retailer_id` = our SKU). WhatsApp draws
 * the card from the catalog and offers its own cart; free-form, so inside the 24-hour window only.
 */
export function product(opts: { catalogId: string; retailerId: string; body?: string; footer?: string }): OutboundMessage {
  return {
    type: 'interactive',
    interactive: {
      type: 'product',
      ...(opts.body ? { body: { text: opts.body } } : {}),
      ...(opts.footer ? { footer: { text: opts.footer } } : {}),
      action: { catalog_id: opts.catalogId, product_retailer_id: opts.retailerId },
    },
  };
}

/** Several catalog products in sections (Meta: header text and body required, ≤ 10 sections, ≤ 30 products in all). */
export function productList(opts: {
  catalogId: string;
  header: string;
  body: string;
  footer?: string;
  sections: Array<{ title: string; retailerIds: string[] }>;
}): OutboundMessage {
  return {
    type: 'interactive',
    interactive: {
      type: 'product_list',
      header: { type: 'text', text: opts.header },
      body: { text: opts.body },
      ...(opts.footer ? { footer: { text: opts.footer } } : {}),
      action: {
        catalog_id: opts.catalogId,
        sections: opts.sections.map((s) => ({ title: s.title, product_items: s.retailerIds.map((id) => ({ product_retailer_id: id })) })),
      },
    },
  };
}

export type MediaRef = { id: string } | { link: string };

export function media(
  kind: 'image' | 'audio' | 'document' | 'video' | 'sticker',
  ref: MediaRef,
  opts: { caption?: string; filename?: string; voice?: boolean } = {},
): OutboundMessage {
  return {
    type: kind,
    [kind]: {
      ...ref,
      ...(opts.caption ? { caption: opts.caption } : {}),
      ...(opts.filename ? { filename: opts.filename } : {}),
      ...(opts.voice ? { voice: true } : {}),
    },
  };
}

/** Text, or a typed parameter object sent as-is (currency, date_time, …). */
export type TemplateParam = string | { type: string; [k: string]: unknown };
export type TemplateParams = Record<string, string> | TemplateParam[];

/**
 * A template send. `body` given as an object sends named parameters (`parameter_name`), as an
 * array sends positional ones. Quick-reply buttons carry their payloads by index.
 */
export function template(opts: {
  name: string;
  language: string;
  header?: TemplateParams | { image: MediaRef };
  body?: TemplateParams;
  quickReplies?: string[];
}): OutboundMessage {
  const params = (p: TemplateParams) =>
    Array.isArray(p)
      ? p.map((t) => (typeof t === 'string' ? { type: 'text', text: t } : t))
      : Object.entries(p).map(([name, t]) => ({ type: 'text', parameter_name: name, text: t }));
  const components: Array<Record<string, unknown>> = [];
  if (opts.header) {
    components.push({
      type: 'header',
      parameters: 'image' in opts.header && !Array.isArray(opts.header) ? [{ type: 'image', image: opts.header.image }] : params(opts.header as TemplateParams),
    });
  }
  if (opts.body) components.push({ type: 'body', parameters: params(opts.body) });
  for (const [index, payload] of (opts.quickReplies ?? []).entries()) {
    components.push({ type: 'button', sub_type: 'quick_reply', index: String(index), parameters: [{ type: 'payload', payload }] });
  }
  return {
    type: 'template',
    template: { name: opts.name, language: { code: opts.language }, ...(components.length ? { components } : {}) },
  };
}

export const reaction = (messageId: string, emoji: string): OutboundMessage => ({
  type: 'reaction',
  reaction: { message_id: messageId, emoji },
});
