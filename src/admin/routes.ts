import { randomUUID } from 'node:crypto';
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { recentExchanges } from '../exchange/exchange-repo.ts';
import { accounts, checkLogin, MIN_PASSWORD, SESSION_COOKIE, type Manager } from '../console/manager-accounts.ts';
import { BadRequestError, ConflictError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors.ts';
import { runJob, type JobServices } from '../jobs/jobs.ts';
import { reportTables, toCsv } from '../analytics/analytics-report.ts';
import { periodOf, periodQuery } from '../analytics/period.ts';
import { ORDER_STATUSES } from '../orders/order-repo.ts';
import { sameSecret } from '../secret.ts';
import type { CatalogArea } from '../services/services.ts';
import { exportShopper, forgetShopper } from '../shoppers/shopper-data.ts';
import { ownPageWrite } from '../request-origin.ts';

const MAX_ADMIN_BYTES = 20 * 1024 * 1024;
const MAX_PRODUCTS = 5000;

/** zod's issues as `{ "products.3.price": ["…"] }`. */
const fieldErrors = (issues: z.core.$ZodIssue[]) =>
  issues.reduce<Record<string, string[]>>((acc, i) => {
    const path = i.path.join('.') || '(body)';
    (acc[path] ??= []).push(i.message);
    return acc;
  }, {});

/** A JSON body checked with zod: a malformed or invalid one is a 400 naming each field. */
const body = <T extends z.ZodType>(schema: T) =>
  zValidator('json', schema, (result) => {
    if (!result.success) throw new BadRequestError('invalid request body', fieldErrors(result.error.issues));
  });

const id = z.coerce.number().int().positive();
const escalationParam = zValidator('param', z.object({ id }), (r) => {
  if (!r.success) throw new BadRequestError('escalation id must be a positive integer', fieldErrors(r.error.issues));
});

/** Who is calling: the operator (ADMIN_TOKEN) or a manager signed in to the console. */
export type Actor = { kind: 'admin' } | { kind: 'manager'; manager: Manager };

/** What a console session may reach: the hand-off, orders, the catalog exchanges and analytics; the rest needs ADMIN_TOKEN. */
const CONSOLE_MAY = /^\/admin\/api\/(escalations|orders|analytics)(\/|$)|^\/admin\/api\/catalog\/exchanges$/;

/** `/admin/api/*`: Bearer ADMIN_TOKEN, or a manager's console session for the console's part. */
export function adminRoutes(s: JobServices & Pick<CatalogArea, 'vocabulary'>) {
  const app = new Hono<{ Variables: { actor: Actor } }>();
  const bearer = bearerAuth({
    verifyToken: (token) => sameSecret(token, s.adminToken),
    invalidTokenMessage: 'admin API needs Authorization: Bearer <ADMIN_TOKEN>',
    noAuthenticationHeader: { message: 'admin API needs Authorization: Bearer <ADMIN_TOKEN>' },
  });
  app.use('*', async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie && !c.req.header('authorization') && CONSOLE_MAY.test(c.req.path)) {
      const manager = await accounts.session(s.database.db, cookie, s.clock.now());
      if (!manager) throw new UnauthorizedError('the console session has ended: sign in again');
      // a cookie alone is no consent: another site's page can make the browser send it
      ownPageWrite(c, s.config.TRUST_PROXY === 'on');
      c.set('actor', { kind: 'manager', manager });
      return next();
    }
    c.set('actor', { kind: 'admin' });
    return bearer(c as never, next);
  });
  /** A manager is named by their login; the operator by what the call says. */
  const actorName = (a: Actor, said: string) => (a.kind === 'manager' ? a.manager.login : said);
  const setDisabled = async (login: string, disabled: boolean) => {
    if (!(await accounts.setDisabled(s.database.db, login, disabled, s.clock.now()))) throw new NotFoundError('no manager with this login');
    return { ok: true as const };
  };

  /** Upsert: `{"products": [...]}` in currency units. Bad items are reported by index; good ones commit together. */
  return (
    app
      .post(
        '/products',
        bodyLimit({
          maxSize: MAX_ADMIN_BYTES,
          onError: () => {
            throw new PayloadTooLargeError(`body over ${MAX_ADMIN_BYTES} bytes`);
          },
        }),
        body(z.object({ products: z.array(z.unknown()).max(MAX_PRODUCTS, `at most ${MAX_PRODUCTS} products per request`) })),
        zValidator('query', z.object({ replace: z.enum(['true', 'false']).optional() }), (r) => {
          if (!r.success) throw new BadRequestError('replace is true or false', fieldErrors(r.error.issues));
        }),
        async (c) => {
          const { products } = c.req.valid('json');
          const replace = c.req.valid('query').replace === 'true';
          const r = await s.catalogWrites.rows('api', products, { replace });
          if (!r.ok)
            throw new BadRequestError(
              'replace=true needs every product valid: a bad row would delete its product',
              Object.fromEntries(r.errors.map((e) => [`products.${e.index}`, [e.error]])),
            );
          const { inserted, updated, priceChanges, deleted, deactivated } = r.result;
          const result = { inserted, updated, priceChanges, ...(replace ? { deleted, deactivated } : {}) };
          s.log.info({ received: products.length, ...result, rejected: r.errors.length, replace }, 'products upserted');
          return c.json({ received: products.length, ...result, rejected: r.errors.length, errors: r.errors });
        },
      )

      /** After a catalog sent in batches: only these products stay; the rest are deleted, or deactivated when alerts name them. */
      .post(
        '/products/retain',
        bodyLimit({
          maxSize: MAX_ADMIN_BYTES,
          onError: () => {
            throw new PayloadTooLargeError(`body over ${MAX_ADMIN_BYTES} bytes`);
          },
        }),
        body(z.object({ ids: z.array(z.string().min(1).max(200)).max(1_000_000) })),
        async (c) => {
          const { ids } = c.req.valid('json');
          const result = await s.catalogWrites.retain(ids);
          s.log.info({ kept: ids.length, ...result }, 'catalog replaced');
          return c.json(result);
        },
      )

      /** What the catalog holds, with counts: categories, brands, colours, styles, materials, attributes, tags. */
      .get('/catalog/vocabulary', async (c) => c.json(s.vocabulary.current().facets))

      .get(
        '/escalations',
        zValidator('query', z.object({ status: z.enum(['open', 'taken', 'closed']).optional() }), (r) => {
          if (!r.success) throw new BadRequestError('status is open, taken or closed', fieldErrors(r.error.issues));
        }),
        async (c) => c.json({ escalations: await s.handoff.list(c.req.valid('query').status) }),
      )
      .get('/escalations/:id/messages', escalationParam, async (c) => {
        const esc = await s.handoff.get(c.req.valid('param').id);
        if (!esc) throw new NotFoundError('no escalation with this id');
        return c.json({ escalation: esc, messages: await s.handoff.conversation(esc.shopperKey) });
      })
      .post(
        '/escalations/:id/take',
        escalationParam,
        body(z.object({ manager: z.string().trim().min(1).max(100).default('console') }).default({ manager: 'console' })),
        async (c) => {
          const ok = await s.handoff.take(s.database.db, c.req.valid('param').id, actorName(c.get('actor'), c.req.valid('json').manager));
          return c.json({ ok }, ok ? 200 : 409);
        },
      )
      .post(
        '/escalations/:id/reply',
        escalationParam,
        body(z.object({ text: z.string().trim().min(1, 'text is required').max(4096), by: z.string().trim().min(1).max(100).default('admin') })),
        async (c) => {
          const esc = await s.handoff.get(c.req.valid('param').id);
          if (!esc || esc.status === 'closed') throw new NotFoundError('no open escalation with this id');
          // Idempotency-Key makes a retried reply send once
          const { text, by } = c.req.valid('json');
          await s.handoff.reply(esc, text, c.req.header('idempotency-key') ?? randomUUID(), actorName(c.get('actor'), by));
          s.sender.pump.notify();
          return c.json({ ok: true });
        },
      )
      .post('/escalations/:id/close', escalationParam, async (c) => {
        // the shopper is told the bot is back, as when a manager closes it from WhatsApp
        const ok = await s.handoff.close(s.database.db, c.req.valid('param').id);
        if (ok) s.sender.pump.notify();
        return c.json({ ok }, ok ? 200 : 409);
      })

      /** Orders, newest first; `status` filters. */
      .get(
        '/orders',
        zValidator('query', z.object({ status: z.enum(ORDER_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).optional() }), (r) => {
          if (!r.success) throw new BadRequestError(`status is one of ${ORDER_STATUSES.join(', ')}; limit 1–500`, fieldErrors(r.error.issues));
        }),
        async (c) => c.json({ orders: await s.orders.list(c.req.valid('query')) }),
      )
      .get('/orders/:number', async (c) => {
        const order = await s.orders.get(c.req.param('number'));
        if (!order) throw new NotFoundError('no order with this number');
        return c.json({ order });
      })
      /** Moves an order (new → confirmed → paid → shipped → delivered, or cancelled); the shopper is told through the status's template. 409 for a move it cannot make. */
      .post('/orders/:number/status', body(z.object({ status: z.enum(ORDER_STATUSES), by: z.string().trim().min(1).max(100).default('admin') })), async (c) => {
        const { status, by } = c.req.valid('json');
        return c.json({ order: await s.orders.move(c.req.param('number'), status, actorName(c.get('actor'), by)) });
      })

      /**
       * A catalog file as it is — YML, CommerceML, CSV or JSON, streamed (`vitrina catalog import`
       * sends every file here, in process or to the running server). `replace=true`:
       * the file is the whole catalog.
       */
      .post('/catalog/import', async (c) => {
        const replace = c.req.query('replace') === 'true';
        if (!c.req.raw.body) throw new BadRequestError('send the catalog file as the body');
        const r = await s.catalogWrites.stream({
          source: 'file',
          body: c.req.raw.body as unknown as AsyncIterable<Uint8Array>,
          declaredLength: c.req.header('content-length') ?? null,
          replace,
        });
        if (!r.ok) throw new BadRequestError(r.error, r.errors.length ? { rows: r.errors.slice(0, 100).map((e) => `line ${e.line}: ${e.error}`) } : undefined);
        return c.json({ exchange: r.exchange, format: r.format, bytes: r.bytes, counts: r.counts, errors: r.errors });
      })

      /** The latest catalog exchanges (1C, feeds, files): when, what changed, what went wrong. */
      .get('/catalog/exchanges', async (c) => c.json({ exchanges: await recentExchanges(s.database.db, 20) }))

      /**
       * The store's numbers over local days `from`…`to` (default: the last 30 days), from the daily
       * roll-up. `table=NAME` answers that table as CSV (what the page's export buttons fetch).
       */
      .get(
        '/analytics',
        zValidator('query', periodQuery, (r) => {
          if (!r.success)
            throw new BadRequestError(
              'from and to are days (YYYY-MM-DD), from ≤ to, at most 3 years apart; table is one of the report tables',
              fieldErrors(r.error.issues),
            );
        }),
        async (c) => {
          const q = c.req.valid('query');
          const { from, to } = periodOf(q, s.analytics.today());
          const report = await s.analytics.report(from, to);
          if (!q.table) return c.json(report);
          const tables = reportTables(report);
          // a name read from the query is a key of these tables only, never of Object.prototype («constructor»)
          const table = Object.hasOwn(tables, q.table) ? tables[q.table] : undefined;
          if (!table) throw new NotFoundError(`no table "${q.table}" (have: ${Object.keys(reportTables(report)).join(', ')})`);
          return c.body(toCsv(table), 200, {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="${q.table}-${report.from}-${report.to}.csv"`,
          });
        },
      )

      /** Console accounts (the operator's `vitrina managers …`, through the CLI's operations). */
      .get('/managers', async (c) => c.json({ managers: await accounts.list(s.database.db) }))
      .post(
        '/managers',
        body(
          z.object({
            login: z.string().refine((l) => !checkLogin(l), 'a login is 2–40 of a-z 0-9 . _ -'),
            name: z.string().trim().min(1).max(100),
            phone: z
              .string()
              .regex(/^\+?\d{6,15}$/)
              .nullish(),
            password: z.string().min(MIN_PASSWORD, `at least ${MIN_PASSWORD} characters`).max(200),
          }),
        ),
        async (c) => {
          const m = c.req.valid('json');
          const made = await accounts.create(s.database.db, m, s.clock.now());
          if (made === 'taken') throw new ConflictError(`the login "${m.login}" is taken`);
          s.log.info({ login: m.login }, 'manager account created');
          return c.json({ manager: made }, 201);
        },
      )
      .post(
        '/managers/:login/password',
        body(z.object({ password: z.string().min(MIN_PASSWORD, `at least ${MIN_PASSWORD} characters`).max(200) })),
        async (c) => {
          if (!(await accounts.setPassword(s.database.db, c.req.param('login'), c.req.valid('json').password)))
            throw new NotFoundError('no manager with this login');
          return c.json({ ok: true });
        },
      )
      .post('/managers/:login/disable', async (c) => c.json(await setDisabled(c.req.param('login'), true)))
      .post('/managers/:login/enable', async (c) => c.json(await setDisabled(c.req.param('login'), false)))

      /** Runs a job now (once across processes) and answers what it did. */
      .post('/jobs/:name/run', async (c) => c.json(await runJob(s, c.req.param('name'))))

      /** A shopper's data on request (personal-data laws): by phone number, shopper key or user id. */
      .get('/shoppers/:who/export', async (c) => {
        const data = await exportShopper({ db: s.database.db, kv: s.kv, invoiceUrl: (t) => s.orders.invoiceUrl(t) }, c.req.param('who'));
        if (!data) throw new NotFoundError('no shopper with this phone number or id');
        return c.json(data);
      })
      .post('/shoppers/:who/forget', async (c) => {
        const result = await forgetShopper({ db: s.database.db, kv: s.kv, clock: s.clock, log: s.log }, c.req.param('who'));
        if (!result) throw new NotFoundError('no shopper with this phone number or id');
        return c.json(result);
      })
  );
}

/** The admin API's routes and answers, for Hono's typed client (the CLI's operations: src/cli/operations.ts). */
export type AdminApi = ReturnType<typeof adminRoutes>;
