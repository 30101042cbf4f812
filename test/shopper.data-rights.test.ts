import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { kvKeys } from '../src/kv/kv.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, statusWebhook, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

const run = promisify(execFile);
const SHOPPER = '77019990011';

describe.each(backends())('a shopper’s data on request: export and forget ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  const api = (path: string, method = 'GET') => h.app.request(`/admin/api${path}`, { method, headers: { authorization: 'Bearer adm' } });
  const count = async (table: string, where = 'true') =>
    Number((await query<{ n: number }>(h.services.database.db, sql.raw(`select count(*)::int as n from ${table} where ${where}`)))[0]!.n);

  async function aShopperWithHistory(logLines: string[]) {
    const sink = new Writable({ write: (chunk, _e, cb) => (logLines.push(String(chunk)), cb()) });
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', MANAGER_PHONES: '+77080000001' },
      build: { log: pino({ level: 'info' }, sink) },
    });
    await h.post(textWebhook({ from: SHOPPER, body: 'хочу серый диван до 300 тысяч', at: h.clock.now(), name: 'Айгерим' }));
    await h.drain();
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(
        SHOPPER,
        [
          {
            from: SHOPPER,
            id: 'wamid.rights.alert',
            timestamp: ts,
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'alert:ZT-0002:10', title: 'Скидка от 10 %' } },
          },
        ],
        'Айгерим',
      ),
    );
    await h.drain();
    const [sent] = graph.sendsTo(SHOPPER);
    await h.post(statusWebhook([{ id: sent!.wamid, status: 'delivered', timestamp: ts, recipient_id: SHOPPER }]));
    await h.post(textWebhook({ from: SHOPPER, body: 'позовите менеджера', at: h.clock.now(), name: 'Айгерим' }));
    await h.drain();
  }

  it('export gives messages, preferences, alerts and escalations; forget erases them everywhere and keeps the counts', async () => {
    const logs: string[] = [];
    await aShopperWithHistory(logs);
    const exported = await (await api(`/shoppers/%2B${SHOPPER}/export`)).json();
    expect(exported.shopper).toMatchObject({ key: SHOPPER, waId: SHOPPER, name: 'Айгерим', language: 'ru' });
    expect(
      exported.messages
        .filter((m: { direction: string }) => m.direction === 'in')
        .map((m: { message: { text?: { body: string } } }) => m.message.text?.body ?? '[tap]'),
    ).toEqual(['хочу серый диван до 300 тысяч', '[tap]', 'позовите менеджера']);
    expect(exported.messages.filter((m: { direction: string }) => m.direction === 'out').length).toBeGreaterThanOrEqual(3);
    expect(exported.preferences).toMatchObject({ budgetMax: 300000 });
    expect(exported.priceAlerts).toEqual([expect.objectContaining({ productId: 'ZT-0002', kind: 'percent', status: 'active' })]);
    expect(exported.escalations).toEqual([expect.objectContaining({ reason: expect.any(String), status: 'open' })]);

    const eventsBefore = await count('analytics_events');
    await h.services.kv.set(kvKeys.flood(SHOPPER, Math.floor(h.clock.now().getTime() / 60_000)), '1', 3600);
    const forgot = await (await api(`/shoppers/${SHOPPER}/forget`, 'POST')).json();
    expect(forgot).toMatchObject({ forgotten: true, store: 'cleared', erased: { shopper: 1, priceAlerts: 1, preferences: 1, escalations: 1 } });
    expect(forgot.erased.messagesIn).toBe(3);

    // nothing personal is left in Postgres or the store
    for (const [table, where] of [
      ['shoppers', `key = '${SHOPPER}'`],
      ['inbox', `shopper_key = '${SHOPPER}'`],
      ['outbox', `shopper_key = '${SHOPPER}'`],
      ['preferences', `shopper_key = '${SHOPPER}'`],
      ['price_alerts', `shopper_key = '${SHOPPER}'`],
      ['product_views', `shopper_key = '${SHOPPER}'`],
      ['escalations', `shopper_key = '${SHOPPER}' or summary <> ''`],
      ['analytics_events', `shopper_key = '${SHOPPER}' or data::text like '%диван%'`],
      ['message_statuses', `raw::text like '%${SHOPPER}%'`],
      ['webhook_events', `raw::text like '%${SHOPPER}%'`],
    ] as const) {
      expect(await count(table, where), table).toBe(0);
    }
    expect(await h.services.kv.get(kvKeys.flood(SHOPPER, Math.floor(h.clock.now().getTime() / 60_000)))).toBeNull();
    expect(await h.services.kv.listGet(kvKeys.context(SHOPPER))).toEqual([]);
    // the counts stay: every event is still there (under a pseudonym), plus the audit record
    expect(await count('analytics_events')).toBe(eventsBefore + 1);
    expect(await count('analytics_events', `kind = 'search'`)).toBeGreaterThan(0);
    expect(await count('escalations')).toBe(1);
    // the erasure is logged without the personal data
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'shopper data erased on request');
    expect(line).toMatchObject({ pseudonym: forgot.pseudonym, shopper: 1 });
    expect(JSON.stringify(line)).not.toContain(SHOPPER);
    expect(JSON.stringify(line)).not.toContain('Айгерим');

    expect((await api(`/shoppers/${SHOPPER}/export`)).status).toBe(404);
    expect((await api(`/shoppers/${SHOPPER}/forget`, 'POST')).status).toBe(404);
  });

  it.runIf(backend.name === 'postgres+redis')('the CLI exports and forgets the same way', async () => {
    await aShopperWithHistory([]);
    const env = { ...process.env, ...(await backendEnv(h)), LOG_LEVEL: 'silent' };
    const exported = await run(process.execPath, ['bin/vitrina.js', 'shopper', 'export', `+${SHOPPER}`], { env });
    expect(JSON.parse(exported.stdout).shopper.key).toBe(SHOPPER);
    const forgot = await run(process.execPath, ['bin/vitrina.js', 'shopper', 'forget', SHOPPER], { env });
    expect(JSON.parse(forgot.stdout)).toMatchObject({ forgotten: true, erased: { shopper: 1 } });
    const again = await run(process.execPath, ['bin/vitrina.js', 'shopper', 'export', SHOPPER], { env }).catch((e) => e);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no shopper with this phone number or id/);
  });
});

/** The database and Redis the harness runs on, as the CLI's environment. */
async function backendEnv(h: Harness): Promise<Record<string, string>> {
  const c = h.services.config;
  return { DATABASE_URL: c.DATABASE_URL!, REDIS_URL: c.REDIS_URL!, DATA_DIR: 'memory://' };
}
