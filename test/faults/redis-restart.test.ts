import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { backends } from '../helpers/backends.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { MetaDelivery, ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 40;
const PER_SHOPPER = 6;

/**
 * Redis (context, locks, rate buckets) is stopped for the middle third of the run and started
 * again, empty. The assistant keeps answering: context is lost, Postgres stays the record.
 */
describe('fault: Redis stopped and started mid-run', () => {
  const backend = backends()[1]!;
  const graph = new FakeGraphApi();
  const redis = new RedisServer();
  let svc: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    await graph.start();
    await redis.start();
    env = await backend.env();
    svc = new ServiceProcess({ graphUrl: graph.url, env: { DATABASE_URL: env.DATABASE_URL!, REDIS_URL: redis.url, BOT: 'assistant' } });
    await svc.start();
    graph.webhook = { url: `${svc.url}/webhook`, appSecret: 'test-app-secret' };
  });
  afterAll(async () => {
    await svc?.kill();
    await graph.stop();
    await redis.stop();
    await backend.cleanup();
  });

  it('answers every message exactly once while Redis is down and after it is back', async () => {
    const meta = new MetaDelivery({ targets: () => [svc.url] });
    const wamids: string[] = [];
    const readiness: string[] = [];
    const phase = async (round: number) => {
      await Promise.all(
        Array.from({ length: SHOPPERS }, async (_, i) => {
          for (let k = round * 2; k < round * 2 + 2; k++) {
            const wamid = `wamid.redis.${i}.${k}`;
            await meta.post(textWebhook({ from: `7706${String(i).padStart(7, '0')}`, body: k % 2 ? 'покажите диваны до 200000' : 'привет', wamid }));
            wamids.push(wamid);
          }
        }),
      );
      await waitDrained(env.DATABASE_URL!, graph, 0, () => svc.tail());
      const r = await fetch(`${svc.url}/readyz`);
      const body = (await r.json()) as { checks: { store: string } };
      readiness.push(`${r.status} store ${body.checks.store.slice(0, 40)}`);
    };

    await phase(0);
    await redis.stop();
    await phase(1);
    await redis.start();
    await phase(2);

    const ledger = await turnLedger(env.DATABASE_URL!, wamids, graph);
    printLedger('Redis stopped and started', ledger, `readiness per phase: ${readiness.join(' | ')}`);
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(readiness[0]).toMatch(/^200 store ok/);
    expect(readiness[1]).toMatch(/^200 store down/);
    expect(readiness[2]).toMatch(/^200 store ok/);
  });
});
