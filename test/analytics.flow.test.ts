import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { accounts } from '../src/console/manager-accounts.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const M1 = '77080000001';
const PASSWORD = 'a manager password';

/**
 * The numbers as the service records them on its own: a shopper chats (answered through the
 * fake Graph API, each reply accepted 1.5 s after the message), says STOP twice, asks for a
 * person; a manager signs in to the console with their account, takes and answers — and the
 * report counts each thing once, for that manager.
 */
describe.each(backends())('analytics from real traffic and manager accounts ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('answers and their time, STOP once, a console hand-off for the signed-in manager; sessions end, expire, stay in the console; wrong passwords lock a login', async () => {
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', MANAGER_PHONES: `+${M1}`, ADMIN_TOKEN: 'adm', TZ: 'Asia/Almaty', MANAGER_SESSION_HOURS: '8' },
    });
    const shopper = '77080000200';
    const say = async (body: string) => {
      await h.post(textWebhook({ from: shopper, body, at: h.clock.now() }));
      h.clock.advance(1500);
      await h.drain();
    };
    await say('диван');
    await say('стоп');
    await say('СТОП');
    await say('позовите менеджера');

    // the console: a wrong password, then the right one
    await accounts.create(h.services.database.db, { login: 'aigerim', name: 'Айгерим', password: PASSWORD }, h.clock.now());
    const signIn = (password: string) =>
      h.app.request('/console/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'Aigerim', password }),
      });
    expect((await signIn('wrong password')).status).toBe(401);
    const ok = await signIn(PASSWORD);
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^vt_session=[\w-]{43}; Max-Age=|^vt_session=[\w-]{43}; Path=\/; Expires=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const asManager = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      h.app.request(path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(await (await asManager('/console/session')).json()).toMatchObject({ manager: { login: 'aigerim', name: 'Айгерим' } });

    const [esc] = (await (await asManager('/admin/api/escalations?status=open')).json()).escalations;
    h.clock.advance(65_000);
    // the body's name is ignored: the console acts as the signed-in manager
    expect((await asManager(`/admin/api/escalations/${esc.id}/take`, { manager: 'someone-else' })).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await asManager(`/admin/api/escalations/${esc.id}/reply`, { text: 'Здравствуйте, это Айгерим' }, { 'idempotency-key': 'k1' })).status).toBe(200);
    await h.drain();
    const [row] = await query<{ taken_by: string }>(h.services.database.db, sql`select taken_by from escalations where id = ${esc.id}`);
    expect(row!.taken_by).toBe('aigerim');
    expect(graph.sendsTo(shopper).filter((s) => s.body.text?.body === 'Здравствуйте, это Айгерим')).toHaveLength(1);

    // a session reaches only the console's part of the admin API
    expect((await asManager('/admin/api/products', { products: [] })).status).toBe(401);
    expect((await asManager('/admin/api/managers')).status).toBe(401);
    expect((await asManager('/admin/api/jobs/analytics/run', {})).status).toBe(401);

    await h.app.request('/admin/api/jobs/analytics/run', { method: 'POST', headers: { authorization: 'Bearer adm' } });
    const day = h.services.analytics.today();
    const r = await (await asManager(`/admin/api/analytics?from=${day}&to=${day}`)).json();
    // four messages, each answered 1.5 s later; STOP said twice counts once
    expect(r.messages).toMatchObject({ in: 4, byType: { text: 4 } });
    expect(r.answers).toEqual({ expected: 4, answered: 4, responseRate: 1, p50Ms: 1500, p95Ms: 1500 });
    expect(r.consent).toEqual({ stop: 1, start: 0, marketingCapped: 0 });
    expect(r.handoffs).toMatchObject({ opened: 1, taken: 1, closed: 0, replies: 1, firstResponseP50Ms: 65_000 });
    expect(r.handoffs.managers).toEqual([
      { manager: 'aigerim', name: 'Айгерим', taken: 1, replies: 1, closed: 0, firstResponseP50Ms: 65_000, firstResponseP95Ms: 65_000, resolutionP50Ms: null },
    ]);
    expect(r.funnel[0]).toEqual({ step: 'searches', count: 1 });

    // sessions: expired after MANAGER_SESSION_HOURS; a disabled account's session ends at once
    h.clock.advance(8 * 3600_000 + 1000);
    expect((await asManager('/console/session')).status).toBe(401);
    expect((await asManager('/admin/api/escalations')).status).toBe(401);
    const again = (await signIn(PASSWORD)).headers.get('set-cookie')!.split(';')[0]!;
    expect((await h.app.request('/console/session', { headers: { cookie: again } })).status).toBe(200);
    const disable = await h.app.request('/admin/api/managers/aigerim/disable', { method: 'POST', headers: { authorization: 'Bearer adm' } });
    expect(disable.status).toBe(200);
    expect((await h.app.request('/console/session', { headers: { cookie: again } })).status).toBe(401);
    expect((await signIn(PASSWORD)).status).toBe(401);

    // ten wrong passwords close a login for a while, even to the right one
    await accounts.create(h.services.database.db, { login: 'erlan', name: 'Ерлан', password: PASSWORD }, h.clock.now());
    const erlan = (password: string) =>
      h.app.request('/console/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'erlan', password }),
      });
    for (let i = 0; i < 10; i++) expect((await erlan(`guess ${i}`)).status).toBe(401);
    const locked = await erlan(PASSWORD);
    expect(locked.status).toBe(401);
    expect((await locked.json()).error.message).toBe('too many wrong passwords: try again in 15 minutes');
  });
});
