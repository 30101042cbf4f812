import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { bodyLimit } from 'hono/body-limit';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import type { Lang } from '../lang.ts';
import { renderPage } from '../page-words.ts';
import { normalizeWebhook } from '../webhook/normalize.ts';
import type { SandboxEntry, SandboxGraph } from './sandbox-graph.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

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
  app.get('/', (c) => c.html(renderPage(PAGE, opts.store())));
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
  app.post('/api/media', bodyLimit({ maxSize: 16 * 1024 * 1024, onError: () => { throw new PayloadTooLargeError('media over 16 MB'); } }), async (c) => {
    const mime = (c.req.header('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (!bytes.length) throw new BadRequestError('empty upload');
    return c.json({ ...opts.graph.addMedia(bytes, c.req.header('content-type') ?? mime), mime_type: c.req.header('content-type') ?? mime });
  });
  app.get('/media/:id', (c) => {
    const m = opts.graph.getMedia(c.req.param('id'));
    return m ? c.body(new Uint8Array(m.bytes), 200, { 'content-type': m.mime }) : c.notFound();
  });
  app.post('/api/webhook', async (c) => {
    const body = await c.req.json().catch(() => null);
    const parsed = normalizeWebhook(body);
    if (!parsed.ok) throw new BadRequestError(parsed.reason);
    for (const m of parsed.value.messages) opts.graph.recordInbound(m.waId ?? m.userId ?? '?', m.message);
    const res = await opts.postWebhook(body);
    return c.json(await res.json(), res.status as 200);
  });
  return app;
}
