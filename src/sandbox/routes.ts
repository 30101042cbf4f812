import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { bodyLimit } from 'hono/body-limit';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import type { Lang } from '../lang.ts';
import { pageHeaders, renderPage } from '../page-words.ts';
import { normalizeWebhook } from '../webhook/normalize.ts';
import { MAX_WEBHOOK_BYTES } from '../webhook/routes.ts';
import type { SandboxEntry, SandboxGraph } from './sandbox-graph.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

/** What the sandbox takes as a shopper's photo or voice note: WhatsApp's image and audio types, and the browser recorder's. */
const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/amr', 'audio/webm'];

/**
 * The web chat. The page builds the same webhook JSON Meta would send; the server signs it and
 * posts it through the real /webhook route, so everything runs through the inbox and outbox.
 */
export function sandboxRoutes(opts: {
  graph: SandboxGraph;
  phoneNumberId: string;
  /** The store's name and the page's own words (labels, status lines: the phrase book's ui_* keys in the store's language), current per request. */
  store: () => { name: string; lang: Lang; words: Record<string, string> };
  postWebhook: (body: unknown) => Promise<Response>;
  /** Catalog products by SKU, for drawing product and product_list messages as WhatsApp would. */
  products: (ids: string[]) => Promise<Array<{ id: string; name: string; price: number; currency: string; price_text: string; image_url: string | null }>>;
  catalogId: string | null;
}): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const html = renderPage(PAGE, opts.store());
    return c.html(html, 200, pageHeaders(html));
  });
  app.get('/api/info', (c) => c.json({ phoneNumberId: opts.phoneNumberId, storeName: opts.store().name, catalogId: opts.catalogId }));
  app.get('/api/products', async (c) => c.json({ products: await opts.products((c.req.query('ids') ?? '').split(',').filter(Boolean).slice(0, 30)) }));
  app.get('/api/chats/:chat/messages', (c) => c.json({ messages: opts.graph.history(c.req.param('chat')) }));
  app.get('/api/chats/:chat/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: SandboxEntry[] = [];
      let wake: (() => void) | null = null;
      const off = opts.graph.subscribe(c.req.param('chat'), (e) => {
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      while (!stream.aborted) {
        while (queue.length) await stream.writeSSE({ event: 'entry', data: JSON.stringify(queue.shift()) });
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000);
        });
        wake = null;
        if (!queue.length && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '' });
      }
    }),
  );
  // Photos and voice notes from the page: stored like Meta media, downloaded through the same path.
  // Photos and voice notes from the page: stored like Meta media, downloaded through the same
  // path. Only what a shopper's WhatsApp sends (and the page's recorder makes) is taken: an
  // upload of any other type could be served back as a page on this origin.
  app.post(
    '/api/media',
    bodyLimit({
      maxSize: 16 * 1024 * 1024,
      onError: () => {
        throw new PayloadTooLargeError('media over 16 MB');
      },
    }),
    async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!UPLOAD_TYPES.includes(type)) throw new BadRequestError(`a photo or a voice note: ${UPLOAD_TYPES.join(', ')}, not "${type || 'no type'}"`);
      const bytes = Buffer.from(await c.req.arrayBuffer());
      if (!bytes.length) throw new BadRequestError('empty upload');
      const mime = c.req.header('content-type')!.trim();
      return c.json({ ...opts.graph.addMedia(bytes, mime), mime_type: mime });
    },
  );
  app.get('/media/:id', (c) => {
    const m = opts.graph.getMedia(c.req.param('id'));
    if (!m) return c.notFound();
    return c.body(new Uint8Array(m.bytes), 200, {
      'content-type': m.mime,
      'content-disposition': 'attachment',
      'content-security-policy': "default-src 'none'; sandbox",
    });
  });
  app.post(
    '/api/webhook',
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(`webhook body over ${MAX_WEBHOOK_BYTES} bytes`);
      },
    }),
    async (c) => {
      const body = await c.req.json().catch(() => null);
      const parsed = normalizeWebhook(body);
      if (!parsed.ok) throw new BadRequestError(parsed.reason);
      for (const m of parsed.value.messages) opts.graph.recordInbound(m.waId ?? m.userId ?? '?', m.message);
      const res = await opts.postWebhook(body);
      return c.json(await res.json(), res.status as 200);
    },
  );
  return app;
}
