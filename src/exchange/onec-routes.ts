import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from '../log.ts';
import { COOKIE, type Answer, type OneCExchange } from './onec-exchange.ts';
import { requestOrigin } from '../request-origin.ts';

/** Reads a request body up to `limit` bytes; past it, stops reading and says so. */
async function readBody(req: Request, limit: number): Promise<{ data: Uint8Array; tooLarge: boolean }> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await req.body?.cancel().catch(() => {});
    return { data: new Uint8Array(0), tooLarge: true };
  }
  if (!req.body) return { data: new Uint8Array(0), tooLarge: false };
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { data: new Uint8Array(0), tooLarge: true };
    }
    parts.push(value);
  }
  return { data: Buffer.concat(parts), tooLarge: false };
}

/**
 * `GET|POST /exchange/1c?type=catalog|sale&mode=…` as 1C calls it. Answers are 200 with plain
 * text lines even when refused (`failure\n<reason>`): 1C's modules read the reason from the body
 * and show it to their operator, where an HTTP error would only say the site failed.
 */
export function onecRoutes(opts: { exchange: OneCExchange | null; fileLimit: number; log: Logger; trustProxy: boolean }): Hono {
  const app = new Hono();
  const reply = (a: Answer) =>
    new Response(a.body, {
      status: 200,
      headers: {
        'content-type': `${a.contentType}; charset=utf-8`,
        'cache-control': 'no-store',
        ...(a.cookie ? { 'set-cookie': `${COOKIE}=${a.cookie}; Path=/exchange; HttpOnly; SameSite=Lax` } : {}),
      },
    });
  app.on(['GET', 'POST'], '/', async (c) => {
    if (!opts.exchange) {
      opts.log.warn({ mode: c.req.query('mode') }, '1C called, but ONEC_USER and ONEC_PASSWORD are not set');
      return reply({ body: 'failure\n1C exchange is not configured: set ONEC_USER and ONEC_PASSWORD', contentType: 'text/plain', outcome: 'failure' });
    }
    const mode = c.req.query('mode') ?? '';
    const answer = await opts.exchange.call({
      type: c.req.query('type') ?? '',
      mode,
      filename: c.req.query('filename'),
      authorization: c.req.header('authorization'),
      source: requestOrigin(c, opts.trustProxy).ip,
      exchangeId: getCookie(c, COOKIE) ?? c.req.query('sessid'),
      body: mode === 'file' ? await readBody(c.req.raw, opts.fileLimit) : undefined,
    });
    return reply(answer);
  });
  return app;
}
