import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { upsertProducts } from '../catalog/catalog-repo.ts';
import { validateProduct, type ProductRow } from '../catalog/product.ts';
import { BadRequestError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors.ts';
import type { Services } from '../services.ts';
import { runJob } from '../jobs/jobs.ts';
import { randomUUID } from 'node:crypto';
import { closeEscalation, conversation, getEscalation, listEscalations, takeEscalation } from '../escalations/escalations.ts';
import { enqueueOutbound } from '../outbox/outbox-repo.ts';
import * as wa from '../whatsapp/messages.ts';

const MAX_ADMIN_BYTES = 20 * 1024 * 1024;
const MAX_PRODUCTS = 5000;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `/admin/api/*`, Bearer ADMIN_TOKEN. */
export function adminRoutes(s: Services): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token || !same(token, s.adminToken)) throw new UnauthorizedError('admin API needs Authorization: Bearer <ADMIN_TOKEN>');
    await next();
  });

  /** Upsert: `{"products": [...]}` in currency units. Bad items are reported by index; good ones commit together. */
  app.post(
    '/products',
    bodyLimit({ maxSize: MAX_ADMIN_BYTES, onError: () => { throw new PayloadTooLargeError(`body over ${MAX_ADMIN_BYTES} bytes`); } }),
    async (c) => {
      const body = (await c.req.json().catch(() => null)) as { products?: unknown } | null;
      if (!body || !Array.isArray(body.products)) throw new BadRequestError('expected {"products": [...]}');
      if (body.products.length > MAX_PRODUCTS) throw new BadRequestError(`at most ${MAX_PRODUCTS} products per request`);
      const rows: ProductRow[] = [];
      const errors: Array<{ index: number; error: string }> = [];
      body.products.forEach((raw, index) => {
        const v = validateProduct(raw, s.config.CURRENCY);
        if (v.ok) rows.push(v.row);
        else errors.push({ index, error: v.error });
      });
      const result = await s.database.db.transaction((tx) => upsertProducts(tx, rows, s.clock.now()));
      s.log.info({ received: body.products.length, ...result, rejected: errors.length }, 'products upserted');
      return c.json({ received: body.products.length, ...result, rejected: errors.length, errors });
    },
  );
  app.get('/escalations', async (c) => c.json({ escalations: await listEscalations(s.database.db, c.req.query('status')) }));
  app.get('/escalations/:id/messages', async (c) => {
    const esc = await getEscalation(s.database.db, Number(c.req.param('id')));
    if (!esc) throw new NotFoundError('no escalation with this id');
    return c.json({ escalation: esc, messages: await conversation(s.database.db, esc.shopperKey) });
  });
  app.post('/escalations/:id/take', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { manager?: string };
    const ok = await takeEscalation(s.database.db, Number(c.req.param('id')), body.manager ?? 'console', s.clock.now());
    if (ok) s.escalationEvents.changed(Number(c.req.param('id')));
    return c.json({ ok }, ok ? 200 : 409);
  });
  app.post('/escalations/:id/reply', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { text?: string } | null;
    if (!body?.text?.trim()) throw new BadRequestError('expected {"text": "..."}');
    const esc = await getEscalation(s.database.db, Number(c.req.param('id')));
    if (!esc || esc.status === 'closed') throw new NotFoundError('no open escalation with this id');
    // Idempotency-Key makes a retried reply send once
    const key = c.req.header('idempotency-key') ?? randomUUID();
    await enqueueOutbound(s.database.db, [{ dedupeKey: `esc:${esc.id}:reply:${key}`, shopperKey: esc.shopperKey, message: wa.text(body.text.trim()) }], s.clock.now());
    s.sender.pump.notify();
    s.escalationEvents.changed(esc.id);
    return c.json({ ok: true });
  });
  app.post('/escalations/:id/close', async (c) => {
    const ok = await closeEscalation(s.database.db, Number(c.req.param('id')), s.clock.now());
    if (ok) s.escalationEvents.changed(Number(c.req.param('id')));
    return c.json({ ok }, ok ? 200 : 409);
  });

  /** Runs a job now (once across processes) and answers what it did. */
  app.post('/jobs/:name/run', async (c) => c.json(await runJob(s, c.req.param('name'))));
  return app;
}
