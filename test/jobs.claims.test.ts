import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { runJob } from '../src/jobs/jobs.ts';
import { JobClaims } from '../src/jobs/job-claims.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { freePort } from './helpers/free-port.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('job claims live in the database ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('a tick is claimed by one of many racing processes, and only once', async () => {
    h = await startHarness({ backend });
    // a tick of now: claims a day older than the clock are pruned as they are made
    const tick = new Date(Math.floor(h.clock.now().getTime() / 60_000) * 60_000);
    const racers = Array.from({ length: 8 }, () => new JobClaims(h.services.database.db));
    const won = await Promise.all(racers.map((c) => c.claimTick('price-alerts', tick, h.clock.now())));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await racers[0]!.claimTick('price-alerts', tick, h.clock.now())).toBe(false);
    expect(await racers[0]!.claimTick('new-arrivals', tick, h.clock.now())).toBe(true);
  });

  it('a job lease is exclusive, released only by its holder, and runs out after a crash', async () => {
    h = await startHarness({ backend });
    const claims = new JobClaims(h.services.database.db);
    const t0 = h.clock.now();
    const a = await claims.lock('escalation-sla', 60_000, t0);
    expect(a).not.toBeNull();
    expect(await claims.lock('escalation-sla', 60_000, t0)).toBeNull();
    await claims.unlock({ job: 'escalation-sla', holder: 'someone-else' });
    expect(await claims.lock('escalation-sla', 60_000, t0)).toBeNull();
    // the holder died without unlocking: once the lease runs out another run takes it
    expect(await claims.lock('escalation-sla', 60_000, new Date(t0.getTime() + 60_001))).not.toBeNull();
  });

  it('with Redis unreachable a cron tick still runs once, and the price alert fires', async () => {
    const redisDown = `redis://127.0.0.1:${await freePort()}`;
    h = await startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', ADMIN_TOKEN: 'adm', ...(backend.name === 'postgres+redis' ? { REDIS_URL: redisDown } : {}) },
    });
    const from = '77060000900';
    await h.post(textWebhook({ from, body: 'привет', at: h.clock.now() }));
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        {
          from,
          id: 'wamid.claims.tap',
          timestamp: ts,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'alert:ZT-0003:any', title: 'Любое снижение' } },
        },
      ]),
    );
    await h.drain();
    await h.services.database.db.execute(sql`update products set price = price - 100000 where id = 'ZT-0003'`);
    const tick = new Date(Math.floor(h.clock.now().getTime() / 60_000) * 60_000);
    const runs = await Promise.all([runJob(h.services, 'price-alerts', { tick }), runJob(h.services, 'price-alerts', { tick })]);
    expect(runs.filter((r) => r.ran)).toHaveLength(1);
    expect(runs.find((r) => r.ran)!.counts).toMatchObject({ triggered: 1, enqueued: 1 });
    await h.drain();
    const templates = graph
      .sendsTo(from)
      .filter((s) => s.body.type === 'template')
      .map((s) => s.body.template.name);
    expect(templates).toEqual(['price_alert_notification']);
    expect(await query(h.services.database.db, sql`select job from job_ticks`)).toEqual([{ job: 'price-alerts' }]);
  });
});
