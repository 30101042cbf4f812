import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { reportTables } from '../analytics/analytics-report.ts';
import { periodOf, periodQuery } from '../analytics/period.ts';
import { Hono, type Context } from 'hono';
import { pageHeaders, pageWords, renderPage } from '../page-words.ts';
import { streamSSE } from 'hono/streaming';
import { zValidator } from '@hono/zod-validator';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { BadRequestError, UnauthorizedError } from '../errors.ts';
import { accounts, SESSION_COOKIE } from './manager-accounts.ts';
import { sameSecret } from '../secret.ts';
import type { AnalyticsArea, HandoffArea, Platform } from '../services/services.ts';
import { ownPageWrite, requestOrigin } from '../request-origin.ts';
import { Attempts, LOCKOUT_MS, WRONG_PASSWORDS } from '../kv/attempts.ts';
import { kvKeys } from '../kv/kv.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const ANALYTICS_PAGE = readFileSync(new URL('./analytics.html', import.meta.url), 'utf8');
/** Chart.js's browser build, served from node_modules (nothing from a CDN). */
const CHART_JS = readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'));

const body = <T extends z.ZodType>(schema: T) =>
  zValidator('json', schema, (r) => {
    if (!r.success) throw new BadRequestError('send {"login": …, "password": …}');
  });

/**
 * `/console`: the managers' page, their sign-in (an account each, a session cookie the page's
 * calls to the admin API carry) and its server-sent events. The events also take the admin
 * token as a query parameter, for tools (EventSource cannot send headers).
 */
export function consoleRoutes(s: Platform & HandoffArea & AnalyticsArea): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    ownPageWrite(c, s.config.TRUST_PROXY === 'on');
    return next();
  });
  const signIns = new Attempts(s.kv, { prefix: kvKeys.consoleSignInAttempts, limit: WRONG_PASSWORDS, windowMs: LOCKOUT_MS });
  const managerOf = (c: Context) => accounts.session(s.database.db, getCookie(c, SESSION_COOKIE) ?? '', s.clock.now());
  // the managers' page speaks the store's manager language (the phrase book's mgr_ui_* keys)
  app.get('/', (c) => {
    const p = s.profile.current();
    const html = renderPage(PAGE.replace('{{TIME_ZONE}}', JSON.stringify(p.timeZone)), {
      name: p.name,
      lang: p.managerLanguage,
      words: pageWords(s.phrases, p.managerLanguage, 'mgr_ui_'),
    });
    return c.html(html, 200, pageHeaders(html));
  });
  // signing in and out: a session cookie the console's calls to /admin/api carry
  app.post('/session', body(z.object({ login: z.string().trim().toLowerCase().min(1).max(100), password: z.string().min(1).max(200) })), async (c) => {
    const { login, password } = c.req.valid('json');
    // ten attempts for a login within 15 minutes, counted before the password is checked
    const allowed = await signIns.take(login);
    const r = allowed
      ? await accounts.signIn(s.database.db, login, password, s.clock.now(), s.config.MANAGER_SESSION_HOURS).catch(async (err: unknown) => {
          await signIns.refund(login);
          throw err;
        })
      : null;
    if (!r) {
      s.log.warn({ login, locked: !allowed }, 'console sign-in refused');
      throw new UnauthorizedError(allowed ? 'wrong login or password' : 'too many wrong passwords: try again in 15 minutes');
    }
    await signIns.clear(login);
    setCookie(c, SESSION_COOKIE, r.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      expires: r.expiresAt,
      secure: requestOrigin(c, s.config.TRUST_PROXY === 'on').https,
    });
    s.log.info({ login }, 'manager signed in to the console');
    return c.json({ manager: r.manager, expiresAt: r.expiresAt });
  });
  app.get('/session', async (c) => {
    const manager = await managerOf(c);
    if (!manager) throw new UnauthorizedError('not signed in');
    return c.json({ manager });
  });
  app.delete('/session', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await accounts.signOut(s.database.db, token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
  app.get('/analytics', (c) => {
    const p = s.profile.current();
    const page = ANALYTICS_PAGE.replace('{{TODAY}}', JSON.stringify(s.analytics.today())).replace('{{CURRENCY}}', JSON.stringify(p.currency));
    const html = renderPage(page, { name: p.name, lang: p.managerLanguage, words: pageWords(s.phrases, p.managerLanguage, 'mgr_ui_') });
    return c.html(html, 200, pageHeaders(html));
  });
  /** The page's numbers and its tables (the same as GET /admin/api/analytics and its CSV), for a signed-in manager. */
  app.get(
    '/analytics/data',
    zValidator('query', periodQuery, (r) => {
      if (!r.success) throw new BadRequestError('from and to are days (YYYY-MM-DD), from ≤ to, at most 3 years apart');
    }),
    async (c) => {
      if (!(await managerOf(c))) throw new UnauthorizedError('not signed in');
      const { from, to } = periodOf(c.req.valid('query'), s.analytics.today());
      const report = await s.analytics.report(from, to);
      return c.json({ report, tables: reportTables(report) });
    },
  );
  app.get('/assets/chart.umd.min.js', (c) =>
    c.body(CHART_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' }),
  );
  app.get('/events', async (c) => {
    const token = c.req.query('token');
    const signedIn = token ? sameSecret(token, s.adminToken) : (await managerOf(c)) !== null;
    if (!signedIn) throw new UnauthorizedError('console events need a console session (or ?token=<ADMIN_TOKEN>)');
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | null = null;
      let pending = false;
      const onChange = () => {
        pending = true;
        wake?.();
      };
      s.handoff.events.on('changed', onChange);
      stream.onAbort(() => {
        s.handoff.events.off('changed', onChange);
        wake?.();
      });
      await stream.writeSSE({ event: 'changed', data: 'hello' });
      while (!stream.aborted) {
        if (pending) {
          pending = false;
          await stream.writeSSE({ event: 'changed', data: String(Date.now()) });
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000);
        });
        wake = null;
        if (!pending && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '' });
      }
    });
  });
  return app;
}
