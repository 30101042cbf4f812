import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { backends } from '../helpers/backends.ts';
import { textWebhook } from '../helpers/harness.ts';
import { echoLedger, printLedger, waitDrained, type Sent } from '../helpers/ledger.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { MetaDelivery, ServiceProcess, waitFor } from '../helpers/service-process.ts';

const SHOPPERS = 100;
const PER_SHOPPER = 10;
const JOBS = ['price-alerts', 'escalation-sla'];

/**
 * Two service processes behind a round-robin "load balancer", on one Postgres and one Redis,
 * both running cron every second. No reply is sent twice, each shopper's replies keep order,
 * and each job runs once per tick across the two.
 */
describe('fault: two processes on one Postgres and Redis', () => {
  const backend = backends()[1]!;
  const graph = new FakeGraphApi();
  const redis = new RedisServer();
  let a: ServiceProcess;
  let b: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    await graph.start();
    await redis.start();
    env = await backend.env();
    const shared = {
      DATABASE_URL: env.DATABASE_URL!,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info',
      PRICE_ALERT_CRON: '* * * * * *',
      ESCALATION_SLA_CRON: '* * * * * *',
    };
    a = await new ServiceProcess({ graphUrl: graph.url, env: shared, name: 'A' }).start();
    b = await new ServiceProcess({ graphUrl: graph.url, env: shared, name: 'B' }).start();
    graph.webhook = { url: `${a.url}/webhook`, appSecret: 'test-app-secret' };
  });
  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await graph.stop();
    await redis.stop();
    await backend.cleanup();
  });

  it('answers each message once and runs each job once per tick', async () => {
    const meta = new MetaDelivery({ targets: () => [a.url, b.url] });
    const sent: Sent[] = [];
    await Promise.all(
      Array.from({ length: SHOPPERS }, async (_, i) => {
        const from = `7710${String(i).padStart(7, '0')}`;
        for (let k = 0; k < PER_SHOPPER; k++) {
          const text = `s${i}-m${k}`;
          await meta.post(textWebhook({ from, body: text, wamid: `wamid.two.${i}.${k}` }));
          sent.push({ from, text });
        }
      }),
    );
    await waitDrained(env.DATABASE_URL!, graph, SHOPPERS * PER_SHOPPER, () => a.tail() + b.tail());
    const runs = () => [...a.logLines(), ...b.logLines()].filter((l) => l.msg === 'job ran' && l.tick);
    // let cron tick a few more times with both processes idle
    const ticksBefore = new Set(runs().map((r) => r.tick)).size;
    await waitFor('five more cron ticks', async () => new Set(runs().map((r) => r.tick)).size >= ticksBefore + 5, 30_000);

    const ledger = echoLedger(sent, graph);
    const answeredBy = { A: a.logLines().filter((l) => l.msg === 'message answered').length, B: b.logLines().filter((l) => l.msg === 'message answered').length };
    const perJob = JOBS.map((job) => {
      const ticks = runs().filter((r) => r.job === job).map((r) => r.tick as string);
      return { job, runs: ticks.length, ticks: new Set(ticks).size, byA: a.logLines().filter((l) => l.msg === 'job ran' && l.job === job).length };
    });
    printLedger(
      'two processes',
      ledger,
      `answered by A ${answeredBy.A}, by B ${answeredBy.B}; cron ${perJob.map((j) => `${j.job}: ${j.runs} runs over ${j.ticks} ticks (A ${j.byA}, B ${j.runs - j.byA})`).join(', ')}`,
    );
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(answeredBy.A).toBeGreaterThan(0);
    expect(answeredBy.B).toBeGreaterThan(0);
    for (const j of perJob) {
      expect(j.ticks).toBeGreaterThanOrEqual(5);
      expect(j.runs).toBe(j.ticks);
    }
  });
});
