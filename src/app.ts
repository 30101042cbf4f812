import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { adminRoutes } from './admin/routes.ts';
import { consoleRoutes } from './console/routes.ts';
import { HTTPException } from 'hono/http-exception';
import { toErrorResponse, AppError, BadRequestError, NotFoundError } from './errors.ts';
import { maskPath } from './log.ts';
import { pageWords } from './page-words.ts';
import { getProducts } from './catalog/catalog-repo.ts';
import { formatPrice, fromMinor } from './catalog/money.ts';
import { catalogFile } from './exchange/exchange-files.ts';
import { onecRoutes } from './exchange/onec-routes.ts';
import { sandboxRoutes } from './sandbox/routes.ts';
import type { Services } from './services/services.ts';
import { signBody } from './webhook/signature.ts';
import { webhookRoutes } from './webhook/routes.ts';

type Env = { Variables: { requestId: string } };

/** The HTTP surface. Every error goes through the one onError below. */
export function createApp(s: Services): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    c.set('requestId', requestId);
    await next();
    c.header('x-request-id', requestId);
    // no response is read as another type than it says, and no page of ours is framed
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    if (c.req.path === '/webhook' && c.req.method === 'POST') s.metrics.webhookRequests.inc({ status: String(c.res.status) });
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const { status, body } = toErrorResponse(err, requestId);
    const path = maskPath(c.req.path);
    if ((err instanceof AppError || err instanceof HTTPException) && status < 500)
      s.log.warn({ requestId, path, code: body.error.code, reason: err.message }, 'request refused');
    else if (status === 503) s.log.warn({ requestId, path, err: String(err) }, 'request answered 503: unavailable for now');
    else s.log.error({ requestId, path, err }, 'request failed');
    if (err instanceof HTTPException && status === 401) c.header('www-authenticate', 'Bearer realm="vitrina"');
    return c.json(body, status as 400);
  });

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}`, requestId: c.get('requestId') } }, 404));

  app.route(
    '/webhook',
    webhookRoutes({ config: s.config, appSecret: s.appSecret, intake: s.intake, log: s.log, metrics: s.metrics, draining: () => s.health.draining }),
  );

  app.route('/admin/api', adminRoutes(s));
  app.route('/console', consoleRoutes(s));

  /** An order's invoice: the token is unguessable, so the link itself is the permission (Meta fetches it without headers). */
  app.get('/invoices/:file', async (c) => {
    const m = /^([A-Za-z0-9_-]{16,64})\.pdf$/.exec(c.req.param('file'));
    const found = m ? await s.orders.invoice(m[1]!) : null;
    if (!found) throw new NotFoundError('no such invoice');
    return c.body(new Uint8Array(found.pdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="invoice-${found.order.number}.pdf"`,
      'cache-control': 'private, max-age=300',
    });
  });

  app.route('/exchange/1c', onecRoutes({ exchange: s.exchange, fileLimit: s.config.ONEC_FILE_LIMIT, log: s.log, trustProxy: s.config.TRUST_PROXY === 'on' }));

  /** Pictures 1C sent (import_files/…): public, like the catalog they illustrate, so Meta can fetch them. */
  app.get('/catalog-files/*', async (c) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path.slice('/catalog-files/'.length));
    } catch {
      throw new BadRequestError('the file name is not valid percent-encoding');
    }
    const data = await catalogFile(s.database.db, path);
    if (!data) throw new NotFoundError('no such file');
    const ext = path.split('.').pop()?.toLowerCase() ?? '';
    const type =
      ({ jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' } as Record<string, string>)[ext] ??
      'application/octet-stream';
    return c.body(new Uint8Array(data), 200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const r = await s.health.readiness();
    return c.json(r, r.ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.text(await s.metrics.registry.metrics(), 200, { 'content-type': s.metrics.registry.contentType }));

  if (s.sandbox) {
    const graph = s.sandbox;
    const postWebhook = async (body: unknown): Promise<Response> => {
      const raw = JSON.stringify(body);
      return app.request('/webhook', {
        method: 'POST',
        body: raw,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, s.appSecret) },
      });
    };
    graph.deliverWebhook = async (body) => void (await postWebhook(body));
    app.get('/', (c) => c.redirect('/sandbox'));
    const store = () => {
      const p = s.profile.current();
      return { name: p.name, lang: p.defaultLanguage, words: pageWords(s.phrases, p.defaultLanguage, 'ui_') };
    };
    const products = async (ids: string[]) => {
      const lang = s.profile.current().defaultLanguage;
      return (await getProducts(s.database.db, ids)).map((p) => ({
        id: p.id,
        name: p.name,
        price: fromMinor(p.price, p.currency),
        currency: p.currency,
        price_text: formatPrice(p.price, p.currency, lang),
        image_url: p.imageUrl,
      }));
    };
    app.route(
      '/sandbox',
      sandboxRoutes({ graph, phoneNumberId: s.phoneNumberId, store, postWebhook, products, catalogId: s.config.WHATSAPP_CATALOG_ID ?? null }),
    );
  }

  return app;
}
