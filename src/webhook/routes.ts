import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '../config.ts';
import { BadRequestError, PayloadTooLargeError, UnauthorizedError, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Intake } from './intake.ts';
import { normalizeWebhook } from './normalize.ts';
import { verifySignature } from './signature.ts';

export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

/**
 * GET: Meta's handshake (verify token). POST: signature over the raw bytes (app secret),
 * then parse, store, 200. A store failure answers 500 (onError) so Meta redelivers; nothing is lost.
 */
export function webhookRoutes(opts: {
  config: Config;
  appSecret: string;
  intake: Intake;
  log: Logger;
  metrics: Metrics;
  /** True once SIGTERM arrived: POSTs get 503 so Meta redelivers to an instance that stays. */
  draining: () => boolean;
}): Hono<{ Variables: { requestId: string } }> {
  const app = new Hono<{ Variables: { requestId: string } }>();

  app.get('/', (c) => {
    const mode = c.req.query('hub.mode');
    const token = c.req.query('hub.verify_token');
    const challenge = c.req.query('hub.challenge');
    const expected = opts.config.WHATSAPP_VERIFY_TOKEN;
    if (mode === 'subscribe' && expected && token === expected && challenge !== undefined) {
      return c.text(challenge, 200);
    }
    opts.log.warn({ mode }, 'webhook verification refused');
    return c.text('Forbidden', 403);
  });

  const tooLarge = () => {
    throw new PayloadTooLargeError(`webhook body over ${MAX_WEBHOOK_BYTES} bytes`);
  };
  // Meta always sends Content-Length: check it and read the body on the adapter's fast path.
  // A body without one is read as a stream and cut off at the limit.
  const streamedLimit = bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: tooLarge });

  app.post(
    '/',
    async (c, next) => {
      if (opts.draining()) throw new UnavailableError('shutting down; Meta will redeliver');
      const length = c.req.header('content-length');
      if (length === undefined) return streamedLimit(c, next);
      if (!/^\d+$/.test(length)) throw new BadRequestError('invalid Content-Length');
      if (Number(length) > MAX_WEBHOOK_BYTES) tooLarge();
      return next();
    },
    async (c) => {
      const started = performance.now();
      const raw = new Uint8Array(await c.req.arrayBuffer());
      if (raw.byteLength > MAX_WEBHOOK_BYTES) tooLarge();
      if (!verifySignature(raw, c.req.header('x-hub-signature-256'), opts.appSecret)) {
        throw new UnauthorizedError('missing or invalid X-Hub-Signature-256');
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(raw).toString('utf8'));
      } catch {
        throw new BadRequestError('body is not valid JSON');
      }
      // Meta's payloads nest about ten deep; a deeper one is no webhook, and Postgres would refuse to store it (a 503 Meta redelivers for days)
      if (deeperThan(body, MAX_DEPTH)) throw new BadRequestError(`body nests deeper than ${MAX_DEPTH} levels`);
      const parsed = normalizeWebhook(body);
      if (!parsed.ok) throw new BadRequestError(parsed.reason);
      let result: Awaited<ReturnType<Intake['ingest']>>;
      try {
        result = await opts.intake.ingest(parsed.value);
      } catch (err) {
        opts.log.error({ requestId: c.get('requestId'), err: String(err) }, 'webhook not stored; answering 503 so Meta redelivers');
        throw new UnavailableError('could not store the webhook; Meta will redeliver');
      }
      opts.metrics.webhookLatency.observe((performance.now() - started) / 1000);
      if (opts.log.isLevelEnabled('debug'))
        opts.log.debug(
          { requestId: c.get('requestId'), wamids: parsed.value.messages.map((m) => m.wamid), statuses: parsed.value.statuses.length },
          'webhook stored',
        );
      return c.json({ ok: true, ...result }, 200);
    },
  );

  return app;
}

const MAX_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` arrays or objects (iteratively: no stack to overflow). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
