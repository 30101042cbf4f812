import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { upsertProducts } from '../catalog/catalog-repo.ts';
import { validateProduct, type ProductRow } from '../catalog/product.ts';
import { BadRequestError, PayloadTooLargeError, UnauthorizedError } from '../errors.ts';
import type { Services } from '../services.ts';
import { runJob } from '../jobs/jobs.ts';

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
  /** Runs a job now (once across processes) and answers what it did. */
  app.post('/jobs/:name/run', async (c) => c.json(await runJob(s, c.req.param('name'))));
  return app;
}
