import { statusesEnvelope, unixSeconds } from '../webhook/envelopes.ts';
import type { Logger } from '../log.ts';
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Hono } from 'hono';
import type { Clock } from '../clock.ts';
import type { FetchLike } from '../whatsapp/client.ts';
import type { OutboundMessage } from '../whatsapp/messages.ts';
import { shownTemplate, type ShownTemplate, type TemplateSet } from '../meta-templates/message-templates.ts';

/** The most bytes of uploaded photos and voice notes the sandbox keeps. */
const MEDIA_BYTES = 64 * 1024 * 1024;

export interface SandboxEntry {
  id: string;
  direction: 'in' | 'out' | 'read';
  at: string;
  /** Outbound: the message as sent to Graph. Inbound: the webhook message object. */
  message: Record<string, unknown>;
  status?: string;
  /** Outbound templates: the approved texts as the shopper's WhatsApp draws them; null for one not in the store's set. */
  shown?: ShownTemplate | null;
}

/**
 * An in-process stand-in for the Graph API, used when no WHATSAPP_TOKEN is set. It answers
 * the calls the client makes with Meta's shapes, keeps each chat for the /sandbox page, and
 * reports delivery back through the real webhook (signed), like Meta does.
 */
export class SandboxGraph {
  private readonly chats = new Map<string, SandboxEntry[]>();
  private readonly events = new EventEmitter();
  private readonly app = new Hono();
  /** Set by the service: posts a signed webhook body through the real /webhook route. */
  deliverWebhook: ((body: unknown) => Promise<void>) | null = null;

  constructor(private readonly opts: { clock: Clock; phoneNumberId: string; maxHistory?: number; log?: Logger; templates?: () => TemplateSet }) {
    this.events.setMaxListeners(0);
    this.app.post('/:version/:pnid/messages', async (c) => {
      const body = (await c.req.json()) as Record<string, unknown>;
      if (body.status === 'read') {
        const chat = this.chatOfWamid(String(body.message_id));
        if (chat) this.push(chat, { id: String(body.message_id), direction: 'read', at: this.now(), message: body });
        return c.json({ success: true });
      }
      const to = typeof body.to === 'string' ? body.to.replace(/^\+/, '') : typeof body.recipient === 'string' ? body.recipient : null;
      if (!to) {
        return c.json({ error: { message: '(#100) The parameter to is required.', type: 'OAuthException', code: 100, fbtrace_id: 'sandbox' } }, 400);
      }
      const wamid = `wamid.sandbox.${randomUUID()}`;
      const shown = body.type === 'template' && this.opts.templates ? { shown: shownTemplate(this.opts.templates(), body as OutboundMessage) } : {};
      this.push(to, { id: wamid, direction: 'out', at: this.now(), message: body, status: 'accepted', ...shown });
      setImmediate(() => void this.reportStatuses(to, wamid, c.req.param('pnid')));
      return c.json({ messaging_product: 'whatsapp', contacts: [{ input: String(body.to ?? body.recipient), wa_id: to }], messages: [{ id: wamid }] });
    });
    this.app.post('/:version/:pnid/media', async (c) => {
      const form = await c.req.formData();
      const file = form.get('file');
      if (!(file instanceof File))
        return c.json({ error: { message: '(#100) The parameter file is required.', type: 'OAuthException', code: 100, fbtrace_id: 'sandbox' } }, 400);
      const { id } = this.addMedia(Buffer.from(await file.arrayBuffer()), String(form.get('type') ?? file.type));
      return c.json({ id });
    });
    this.app.get('/media-download/:id', (c) => {
      const m = this.media.get(c.req.param('id'));
      if (!m) return c.json({ error: { message: 'URL expired', type: 'OAuthException', code: 100, fbtrace_id: 'sandbox' } }, 404);
      return c.body(new Uint8Array(m.bytes), 200, { 'content-type': m.mime });
    });
    this.app.get('/:version/:mediaId', (c) => {
      const id = c.req.param('mediaId');
      const m = this.media.get(id);
      if (!m) {
        return c.json(
          {
            error: {
              message: `Unsupported get request. Object with ID '${id}' does not exist`,
              type: 'GraphMethodException',
              code: 100,
              fbtrace_id: 'sandbox',
            },
          },
          400,
        );
      }
      return c.json({
        messaging_product: 'whatsapp',
        url: `http://sandbox/media-download/${id}`,
        mime_type: m.mime,
        sha256: m.sha256,
        file_size: String(m.bytes.length),
        id,
      });
    });
  }

  readonly fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    return this.app.fetch(new Request(`http://sandbox${url.pathname}${url.search}`, init));
  };

  private readonly media = new Map<string, { bytes: Buffer; mime: string; sha256: string }>();
  private mediaBytes = 0;

  /** Stores a photo or voice note the page uploaded; the bot downloads it like Meta media. */
  addMedia(bytes: Buffer, mime: string): { id: string; sha256: string } {
    const id = `sandbox-media-${randomUUID()}`;
    const sha256 = createHash('sha256').update(bytes).digest('base64');
    // the sandbox holds at most MEDIA_BYTES of uploads: the oldest go first (Meta's ids expire too)
    for (const [old, m] of this.media) {
      if (this.mediaBytes + bytes.length <= MEDIA_BYTES) break;
      this.media.delete(old);
      this.mediaBytes -= m.bytes.length;
    }
    this.media.set(id, { bytes, mime, sha256: createHash('sha256').update(bytes).digest('hex') });
    this.mediaBytes += bytes.length;
    return { id, sha256 };
  }

  /** Bytes of uploads held now. */
  get heldMediaBytes(): number {
    return this.mediaBytes;
  }

  getMedia(id: string): { bytes: Buffer; mime: string } | null {
    return this.media.get(id) ?? null;
  }

  /** Records what the shopper typed, so the page shows both sides. */
  recordInbound(chat: string, message: Record<string, unknown>): void {
    this.push(chat, { id: String(message.id), direction: 'in', at: this.now(), message });
  }

  history(chat: string): SandboxEntry[] {
    return this.chats.get(chat) ?? [];
  }

  subscribe(chat: string, fn: (e: SandboxEntry) => void): () => void {
    this.events.on(chat, fn);
    return () => this.events.off(chat, fn);
  }

  private now(): string {
    return this.opts.clock.now().toISOString();
  }

  private chatOfWamid(wamid: string): string | null {
    for (const [chat, entries] of this.chats) if (entries.some((e) => e.id === wamid)) return chat;
    return null;
  }

  private push(chat: string, entry: SandboxEntry): void {
    const list = this.chats.get(chat) ?? [];
    list.push(entry);
    const max = this.opts.maxHistory ?? 500;
    if (list.length > max) list.splice(0, list.length - max);
    this.chats.set(chat, list);
    this.events.emit(chat, entry);
  }

  private async reportStatuses(to: string, wamid: string, pnid: string): Promise<void> {
    if (!this.deliverWebhook) return;
    const ts = unixSeconds(this.opts.clock.now());
    const statuses = ['sent', 'delivered'].map((status) => ({ id: wamid, status, timestamp: ts, recipient_id: to }));
    await this.deliverWebhook(statusesEnvelope({ phoneNumberId: pnid, displayPhoneNumber: 'sandbox', wabaId: 'sandbox', statuses })).catch((err: unknown) =>
      this.opts.log?.warn({ err: String(err) }, 'sandbox: status webhook not delivered'),
    );
  }
}
