import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { claimInbound } from '../src/inbox/inbox-repo.ts';
import { turnWritesCtes, type TurnWrites } from '../src/inbox/turn-writes.ts';
import { finishManyWithReplies } from '../src/outbox/outbox-repo.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const prefs = { colors: ['серый'], styles: [], categories: ['Диваны'], sizes: [], budgetMax: 300000 };

/**
 * A turn's language, preferences and events are written by the statement that finishes its
 * message, and only by a finish that holds the message: a worker whose lease was taken over
 * writes none of them, and the finish that counts writes each once.
 */
describe.each(backends())('the turn’s writes go in with its finish ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('a zombie’s finish writes nothing; the live one writes language, preferences and events once', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, env: { INBOX_LEASE_SECONDS: '30' } });
    const db = h.services.database.db;
    await h.post(textWebhook({ from: '77010000061', body: 'серый диван', at: h.clock.now() }));
    const [zombie] = await claimInbound(db, { now: h.clock.now(), leaseMs: 30_000, limit: 10 });
    h.clock.advance(31_000);
    const [live] = await claimInbound(db, { now: h.clock.now(), leaseMs: 30_000, limit: 10 });
    expect(live!.id).toBe(zombie!.id);

    const writes = (tag: string): TurnWrites => ({
      language: tag === 'zombie' ? 'en' : 'kk',
      preferences: { data: { ...prefs, styles: [tag] }, at: h.clock.now() },
      events: [{ dedupeKey: `${live!.wamid}:search:0`, shopperKey: live!.shopperKey, kind: 'search', data: { by: tag }, at: h.clock.now() }],
    });
    const finish = (row: typeof live, tag: string) =>
      finishManyWithReplies(db, [{ row: row!, status: 'done', items: [] }], h.clock.now(), (finished) =>
        turnWritesCtes([{ inboxId: row!.id, shopperKey: row!.shopperKey, writes: writes(tag) }], finished),
      );

    expect([...(await finish(zombie, 'zombie'))]).toEqual([]);
    expect([...(await finish(live, 'live'))]).toEqual([live!.id]);
    // a retried finish (the lease is gone with the first) adds nothing
    expect([...(await finish(live, 'live'))]).toEqual([]);

    const [shopper] = await query<{ language: string | null }>(db, sql`select language from shoppers where key = ${live!.shopperKey}`);
    expect(shopper!.language).toBe('kk');
    const saved = await query<{ data: unknown }>(db, sql`select data from preferences where shopper_key = ${live!.shopperKey}`);
    expect(saved.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data))).toEqual([{ ...prefs, styles: ['live'] }]);
    const events = await query<{ data: unknown }>(db, sql`select data from analytics_events where kind = 'search'`);
    expect(events.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data))).toEqual([{ by: 'live' }]);
  });
});
