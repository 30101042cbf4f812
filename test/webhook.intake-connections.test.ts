import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const postgresBackend = backends().find((b) => b.name === 'postgres+redis')!;
const LOCK = 7_231_777;

/**
 * Webhook intake has connections of its own: with every connection of the workers' pool busy
 * (here: each waiting on a lock the test holds, as turns stuck behind a slow statement would),
 * a burst of webhooks is still stored and answered 200 at once, not queued behind them or
 * refused with 503.
 */
describe('webhook intake under a burst, the turns holding every pooled connection', () => {
  const graph = fakeGraphFor(postgresBackend);
  let h: Harness;
  let holder: postgres.Sql | null = null;
  afterEach(async () => {
    await holder?.end();
    holder = null;
    await h?.close();
  });

  it('64 webhooks are stored and answered 200 while the workers’ pool is exhausted', async () => {
    h = await startHarness({ backend: postgresBackend, graphUrl: graph.url, env: { WORKERS: 'off' } });
    const url = h.services.config.DATABASE_URL!;
    holder = postgres(url, { max: 1, onnotice: () => {} });
    await holder`select pg_advisory_lock(${LOCK})`;
    // the workers' pool is 20 connections: 20 statements blocked on the lock hold them all
    const blocked = Array.from({ length: 20 }, () => query(h.services.database.db, sql`select pg_advisory_xact_lock(${LOCK})`));
    await expect.poll(async () => Number((await holder!`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`)[0]!.n)).toBe(20);

    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) => h.post(textWebhook({ from: `7702000${String(i).padStart(4, '0')}`, body: `привет ${i}` })).then((r) => r.status)),
    );
    expect(answers).toEqual(Array(64).fill(200));
    const [stored] = await holder`select count(*)::int as n from inbox`;
    expect(stored!.n).toBe(64);

    await holder`select pg_advisory_unlock(${LOCK})`;
    await Promise.all(blocked);
  });
});
