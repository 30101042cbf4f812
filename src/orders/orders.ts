import type { Bitrix24Client } from '../../integrations/bitrix24/client.ts';
import type { Clock } from '../clock.ts';
import { formatPrice, fromMinor, plainAmount } from '../catalog/money.ts';
import type { Db, Tx } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import { asLang } from '../lang.ts';
import type { Logger } from '../log.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import type { PhraseBook } from '../phrases.ts';
import type { Profile } from '../profile/store-profile.ts';
import { templateMessage } from '../meta-templates/message-templates.ts';
import type { TemplateRegistry } from '../meta-templates/registry.ts';
import * as wa from '../whatsapp/messages.ts';
import { encodePayload } from '../whatsapp/payloads.ts';
import { renderInvoice } from './invoice.ts';
import { getOrder, listOrders, moveOrder, ordersWithoutDeal, placeOrder, setDeal, type Order, type OrderDraft, type OrderStatus } from './order-repo.ts';

/** The statuses a shopper is told of, each through its template (`order_<status>` in message_templates.yaml). */
const TOLD: OrderStatus[] = ['confirmed', 'paid', 'shipped', 'delivered', 'cancelled'];

/**
 * Orders in one place: placing one in the confirming turn's transaction (managers told), the
 * payment link and the invoice, status changes (the shopper told through a template), and the
 * Bitrix24 deal. Every message is keyed by the order and what happened to it, so a retried call
 * or job sends nothing twice.
 */
export class Orders {
  constructor(
    private readonly opts: {
      db: Db;
      clock: Clock;
      log: Logger;
      templates: TemplateRegistry;
      phrases: PhraseBook;
      profile: () => Profile;
      managers: string[];
      crm: Bitrix24Client | null;
      /** CHECKOUT_URL: the payment link with {order}, {total}, {currency}. */
      checkoutUrl?: string;
      /** PUBLIC_URL: where Meta fetches invoices; null gives relative links (the sandbox). */
      publicUrl?: string | null;
      /** Called after messages were queued outside a turn (wakes the sender). */
      queued?: () => void;
      /** Called when an order changed (the console refreshes). */
      changed?: () => void;
    },
  ) {}

  /** The payment link for an order, or null (pay on delivery). */
  paymentUrl(number: string, total: number, currency: string): string | null {
    const t = this.opts.checkoutUrl;
    if (!t) return null;
    return t
      .replaceAll('{order}', encodeURIComponent(number))
      .replaceAll('{total}', encodeURIComponent(plainAmount(total, currency)))
      .replaceAll('{currency}', encodeURIComponent(currency));
  }

  invoiceUrl(token: string): string {
    const base = this.opts.publicUrl?.replace(/\/+$/, '') ?? '';
    return `${base}/invoices/${token}.pdf`;
  }

  /**
   * Places the order in the turn's transaction and queues `order_new` to every manager. Null
   * when the source key already placed one (a repeated confirm).
   */
  async place(tx: Tx, d: OrderDraft, customer: string): Promise<number | null> {
    const id = await placeOrder(tx, d);
    if (id === null) return null;
    const t = this.opts.templates.current().get('order_new');
    if (t && this.opts.managers.length) {
      const total = d.lines.reduce((s, l) => s + l.price * l.quantity, 0);
      const lang = this.opts.profile().managerLanguage;
      const lines = d.lines.map((l) => `${l.name} × ${l.quantity}`).join('; ');
      const message = templateMessage(t, lang, { order: d.number, customer, total: formatPrice(total, d.currency, lang), lines });
      await enqueueOutbound(
        tx,
        this.opts.managers.map((m) => ({ dedupeKey: `order:${id}:notify:${m}`, shopperKey: m, message })),
        d.at,
      );
    }
    return id;
  }

  get(number: string): Promise<Order | null> {
    return getOrder(this.opts.db, { number });
  }

  list(opts: { status?: OrderStatus; shopperKey?: string; limit?: number } = {}): Promise<Order[]> {
    return listOrders(this.opts.db, opts);
  }

  /**
   * Moves an order (admin API, console, later 1C) and tells the shopper through the status's
   * template, keyed by order and status: a repeated call changes nothing and sends nothing.
   */
  async move(number: string, to: OrderStatus, by: string): Promise<Order> {
    const now = this.opts.clock.now();
    const sent = await this.opts.db.transaction(async (tx) => {
      const moved = await moveOrder(tx, number, to, by, now);
      if (!moved) throw new NotFoundError(`no order ${number}`);
      if (moved.before === to || !TOLD.includes(to)) return 0;
      const order = (await getOrder(tx, { id: moved.id }))!;
      const t = this.opts.templates.current().get(`order_${to}`);
      if (!t) return 0;
      const lang = asLang(order.language, this.opts.profile().defaultLanguage);
      const message = templateMessage(t, lang, { order: order.number, total: formatPrice(order.total, order.currency, lang) }, [
        encodePayload({ kind: 'manager' }),
      ]);
      return enqueueOutbound(tx, [{ dedupeKey: `order:${order.id}:${to}`, shopperKey: order.shopperKey, message }], now);
    });
    if (sent) this.opts.queued?.();
    this.opts.changed?.();
    this.opts.log.info({ order: number, status: to, by }, 'order status changed');
    return (await this.get(number))!;
  }

  /** The invoice PDF of the order with this token, or null. */
  async invoice(token: string): Promise<{ order: Order; pdf: Buffer } | null> {
    const order = await getOrder(this.opts.db, { invoiceToken: token });
    if (!order) return null;
    return { order, pdf: await renderInvoice(order, this.opts.profile(), this.opts.phrases) };
  }

  /**
   * The order's confirmation as one billed message: with a payment link, a `cta_url` whose
   * document header is the invoice (Meta: cta_url headers may be text, image, video or
   * document); without one, the invoice document with the words as its caption.
   */
  confirmationMessage(token: string, number: string, words: string, pay: { url: string; label: string } | null): wa.OutboundMessage {
    const invoice = { link: this.invoiceUrl(token), filename: `invoice-${number}.pdf` };
    return pay
      ? wa.ctaUrl({ header: { type: 'document', document: invoice }, body: words, displayText: pay.label, url: pay.url })
      : wa.media('document', { link: invoice.link }, { filename: invoice.filename, caption: words });
  }

  /** Each order becomes a Bitrix24 deal once: ORIGIN_ID finds a deal made before a crash. */
  async syncCrm(): Promise<{ orders: number; deals: number; dealsFailed: number }> {
    const { crm, db, log } = this.opts;
    if (!crm) return { orders: 0, deals: 0, dealsFailed: 0 };
    const rows = await ordersWithoutDeal(db, 100);
    let deals = 0;
    let failed = 0;
    for (const r of rows) {
      const o = (await getOrder(db, { id: r.id }))!;
      const res = await crm.addDeal({
        originId: `vitrina-order-${o.number}`,
        title: `WhatsApp order ${o.number}`,
        amount: fromMinor(o.total, o.currency),
        currency: o.currency,
        name: o.customerName,
        phone: /^\d+$/.test(o.shopperKey) ? o.shopperKey : null,
        comments: [
          ...o.lines.map((l) => `${l.name} × ${l.quantity} = ${formatPrice(l.price * l.quantity, o.currency, 'en')}`),
          o.fulfilment === 'delivery' ? `Delivery: ${o.address ?? ''}` : 'Pickup',
        ].join('\n'),
      });
      if (res.ok) {
        await setDeal(db, o.id, res.value);
        deals++;
      } else {
        failed++;
        log.warn({ order: o.number, error: res.error, retryable: res.retryable }, 'Bitrix24 deal not created; will retry');
      }
    }
    return { orders: rows.length, deals, dealsFailed: failed };
  }
}
