import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { pageWords, renderPage } from '../page-words.ts';
import { streamSSE } from 'hono/streaming';
import { UnauthorizedError } from '../errors.ts';
import { sameSecret } from '../secret.ts';
import type { Services } from '../services.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');


/**
 * `/console`: the managers' page (it signs in with the admin token and uses the admin API) and
 * its server-sent events. EventSource cannot send headers, so the stream takes the token as a
 * query parameter.
 */
export function consoleRoutes(s: Services): Hono {
  const app = new Hono();
  // the managers' page speaks the store's manager language (the phrase book's mgr_ui_* keys)
  app.get('/', (c) => {
    const p = s.profile.current();
    return c.html(renderPage(PAGE, { name: p.name, lang: p.managerLanguage, words: pageWords(s.assistant.phrases, p.managerLanguage, 'mgr_ui_') }));
  });
  app.get('/events', (c) => {
    const token = c.req.query('token') ?? '';
    if (!sameSecret(token, s.adminToken)) throw new UnauthorizedError('console events need ?token=<ADMIN_TOKEN>');
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
