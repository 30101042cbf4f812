import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/console/manager-accounts.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const PASSWORD = 'a long console password';
const json = { 'content-type': 'application/json' };

/** The service's pages and what it serves back: headers, uploads, and writes only from its own pages. */
describe('pages, uploads and console writes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: backends()[0]!, env: { ADMIN_TOKEN: 'adm' } });
    await accounts.create(h.services.database.db, { login: 'dana', name: 'Дана', password: PASSWORD }, h.clock.now());
  });
  afterAll(() => h?.close());

  it.each(['/console', '/console/analytics', '/sandbox'])(
    '%s: a CSP that runs only its own scripts (each inline one by hash), no framing, nosniff',
    async (path) => {
      const res = await h.app.request(path);
      expect(res.status).toBe(200);
      const html = await res.text();
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
      expect(inline.length).toBeGreaterThan(0);
      expect(
        csp
          .match(/script-src ([^;]+)/)![1]!
          .split(' ')
          .sort(),
      ).toEqual(["'self'", ...inline].sort());
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    },
  );

  it('every answer says nosniff, JSON and errors too', async () => {
    for (const path of ['/healthz', '/admin/api/orders', '/no/such/route'])
      expect([path, (await h.app.request(path)).headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
  });

  it('the sandbox takes only photos and voice notes, serves them back as attachments in a sandbox, and keeps at most 64 MB of them', async () => {
    const html = await h.app.request('/sandbox/api/media', {
      method: 'POST',
      headers: { 'content-type': 'text/html' },
      body: '<script>fetch("/admin/api/orders")</script>',
    });
    expect(html.status).toBe(400);
    expect((await html.json()).error.message).toMatch(/^a photo or a voice note: image\/jpeg/);
    const svg = await h.app.request('/sandbox/api/media', { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body: '<svg/>' });
    expect(svg.status).toBe(400);
    const up = await h.app.request('/sandbox/api/media', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    });
    expect(up.status).toBe(200);
    const { id } = await up.json();
    const back = await h.app.request(`/sandbox/media/${id}`);
    expect(back.headers.get('content-type')).toBe('image/jpeg');
    expect(back.headers.get('content-disposition')).toBe('attachment');
    expect(back.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    const big = new Uint8Array(15 * 1024 * 1024);
    for (let i = 0; i < 6; i++)
      expect((await h.app.request('/sandbox/api/media', { method: 'POST', headers: { 'content-type': 'audio/ogg; codecs=opus' }, body: big })).status).toBe(
        200,
      );
    expect(h.services.sandbox!.heldMediaBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(h.services.sandbox!.heldMediaBytes).toBeGreaterThanOrEqual(4 * big.length);
    // the first upload went to make room
    expect((await h.app.request(`/sandbox/media/${id}`)).status).toBe(404);
  });

  it('the sandbox’s webhook has the same body limit as Meta’s', async () => {
    const res = await h.app.request('/sandbox/api/webhook', {
      method: 'POST',
      headers: { ...json, 'content-length': String(4 * 1024 * 1024) },
      body: 'x'.repeat(4 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
  });

  it('console writes come from its own pages, as JSON: another Origin is 403, a form post 400; a cookie is Secure behind an HTTPS proxy only when TRUST_PROXY says so', async () => {
    const signIn = (headers: Record<string, string>, body = JSON.stringify({ login: 'dana', password: PASSWORD })) =>
      h.app.request('/console/session', { method: 'POST', headers, body });
    expect((await signIn({ ...json, origin: 'https://evil.example' })).status).toBe(403);
    expect((await signIn({ ...json, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await signIn({ 'content-type': 'text/plain' })).status).toBe(400);
    expect((await signIn({ 'content-type': 'application/x-www-form-urlencoded' }, 'login=dana&password=x')).status).toBe(400);
    const ok = await signIn({ ...json, origin: 'http://localhost', 'x-forwarded-proto': 'https' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).not.toMatch(/Secure/i);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    // a signed-in manager's cookie sent by another site's page
    const foreign = await h.app.request('/admin/api/escalations/1/take', {
      method: 'POST',
      headers: { ...json, cookie, origin: 'https://evil.example' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);

    const behind = await startHarness({ backend: backends()[0]!, env: { TRUST_PROXY: 'on' } });
    try {
      await accounts.create(behind.services.database.db, { login: 'dana', name: 'Дана', password: PASSWORD }, behind.clock.now());
      const res = await behind.app.request('/console/session', {
        method: 'POST',
        headers: { ...json, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example.kz', origin: 'https://shop.example.kz' },
        body: JSON.stringify({ login: 'dana', password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await behind.close();
    }
  });
});
