import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { accounts } from '../../src/console/manager-accounts.ts';
import { Attempts } from '../../src/kv/attempts.ts';
import { MemoryKv } from '../../src/kv/memory-kv.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** Passwords guessed online: the console's sign-in and 1C's checkauth are locked per login and per address. */
describe.each(backends())('guessing passwords ($name)', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('sixty parallel console guesses with the right password last: the lock counts first, so none gets in', async () => {
    h = await startHarness({ backend });
    const PASSWORD = 'correct horse battery';
    await accounts.create(h.services.database.db, { login: 'dana', name: 'Дана', password: PASSWORD }, h.clock.now());
    const signIn = (password: string) =>
      h.app.request('/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'dana', password }) });
    const answers = await Promise.all([...Array.from({ length: 59 }, (_, i) => signIn(`guess ${i}`)), signIn(PASSWORD)]);
    expect(answers.map((r) => r.status).filter((s) => s === 200)).toEqual([]);
    expect((await answers.at(-1)!.json()).error.message).toBe('too many wrong passwords: try again in 15 minutes');
    // a right password before the limit clears the count
    await accounts.create(h.services.database.db, { login: 'asel', name: 'Асель', password: PASSWORD }, h.clock.now());
    const asel = (password: string) =>
      h.app.request('/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'asel', password }) });
    for (let i = 0; i < 9; i++) expect((await asel(`guess ${i}`)).status).toBe(401);
    expect((await asel(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await asel(`guess ${i}`)).status).toBe(401);
    expect((await asel(PASSWORD)).status).toBe(200);
  });

  it('1C’s checkauth: ten wrong passwords from an address lock it, the right one included; another address is not locked', async () => {
    h = await startHarness({ backend, env: { ONEC_USER: 'exchange', ONEC_PASSWORD: 's3cret-1c-exchange', TRUST_PROXY: 'on' } });
    const checkauth = (password: string, from: string) =>
      h.app.request('/exchange/1c?type=catalog&mode=checkauth', {
        headers: { authorization: `Basic ${Buffer.from(`exchange:${password}`).toString('base64')}`, 'x-forwarded-for': `${from}, 10.0.0.1` },
      });
    const bodies = await Promise.all(Array.from({ length: 30 }, async (_, i) => (await checkauth(`guess-${i}`, '203.0.113.7')).text()));
    expect(bodies.filter((b) => b.startsWith('failure\nwrong user or password'))).toHaveLength(10);
    expect(bodies.filter((b) => b.startsWith('failure\ntoo many wrong passwords from this address'))).toHaveLength(20);
    expect(await (await checkauth('s3cret-1c-exchange', '203.0.113.7')).text()).toMatch(/^failure\ntoo many wrong passwords/);
    expect(await (await checkauth('s3cret-1c-exchange', '198.51.100.4')).text()).toMatch(/^success\n/);
  });
});

describe('what guessing leaves behind', () => {
  it('an attempt the database could not check is given back: an outage locks nobody out', async () => {
    const attempts = new Attempts(new MemoryKv(), { prefix: 'a:', limit: 10, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      expect(await attempts.take('dana')).toBe(true);
      await attempts.refund('dana');
    }
    for (let i = 0; i < 10; i++) expect(await attempts.take('dana')).toBe(true);
    expect(await attempts.take('dana')).toBe(false);
  });

  it('ONEC_PASSWORD shorter than 8 characters stops the start, naming it', () => {
    expect(() => loadConfig({ ONEC_USER: 'exchange', ONEC_PASSWORD: 'x' })).toThrow(/ONEC_PASSWORD: at least 8 characters/);
    expect(loadConfig({ ONEC_USER: 'exchange', ONEC_PASSWORD: '12345678' }).ONEC_PASSWORD).toBe('12345678');
  });

  it('the in-process store forgets expired keys: a thousand unknown logins are gone from memory a minute after their window', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const store = new MemoryKv({ now: () => now });
    for (let i = 0; i < 1000; i++) await store.incr(`console:signin-attempts:nobody-${i}`, 15 * 60_000);
    await store.listPush('ctx:1', ['a'], 10, 60);
    expect(store.size).toBe(1001);
    now += 16 * 60_000;
    await store.set('fresh', '1', 60);
    expect(store.size).toBe(1);
    expect(await store.get('console:signin-attempts:nobody-1')).toBeNull();
    expect(await store.listGet('ctx:1')).toEqual([]);
  });
});
