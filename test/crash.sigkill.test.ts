import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from './fakes/graph-api.ts';
import { backends } from './helpers/backends.ts';
import { APP_SECRET, textWebhook } from './helpers/harness.ts';
import { echoLedger, printLedger, waitDrained, type Sent } from './helpers/ledger.ts';
import { MetaDelivery, ServiceProcess } from './helpers/service-process.ts';

const SHOPPERS = 200;
const PER_SHOPPER = 10;
const PARALLEL_SHOPPERS = 50;

/**
 * The real service process on Postgres + Redis, killed with SIGKILL twice while 2,000 messages
 * from 200 shoppers arrive. Like Meta, the test re-sends every POST that did not get a 200.
 * Every message must be answered exactly once and each shopper's answers must keep order.
 */
describe('crash: SIGKILL twice during a burst', () => {
  const backend = backends()[1]!;
  const graph = new FakeGraphApi();
  let env: Record<string, string>;
  let svc: ServiceProcess;

  beforeAll(async () => {
    await graph.start();
    env = await backend.env();
    svc = new ServiceProcess({ graphUrl: graph.url, env: { DATABASE_URL: env.DATABASE_URL!, REDIS_URL: env.REDIS_URL!, INBOX_LEASE_SECONDS: '2' } });
    await svc.start();
    graph.webhook = { url: `${svc.url}/webhook`, appSecret: APP_SECRET };
  });
  afterAll(async () => {
    await svc?.kill();
    await graph.stop();
    await backend.cleanup();
  });

  it('answers each of 2,000 messages exactly once, in order per shopper', async () => {
    const killsAt = [500, 1300];
    let restarting: Promise<unknown> | null = null;
    const meta = new MetaDelivery({ targets: () => [svc.url], paused: () => restarting });
    const sent: Sent[] = [];

    const shopper = (i: number) => `7704${String(i).padStart(7, '0')}`;
    let next = 0;
    const runShopper = async (i: number) => {
      for (let k = 0; k < PER_SHOPPER; k++) {
        const text = `s${i}-m${k}`;
        await meta.post(textWebhook({ from: shopper(i), body: text, wamid: `wamid.crash.${i}.${k}` }));
        sent.push({ from: shopper(i), text });
        if (killsAt.length && sent.length >= killsAt[0]! && !restarting) {
          killsAt.shift();
          restarting = svc
            .kill('SIGKILL')
            .then(() => svc.start())
            .finally(() => (restarting = null));
        }
      }
    };
    await Promise.all(
      Array.from({ length: PARALLEL_SHOPPERS }, async () => {
        while (next < SHOPPERS) await runShopper(next++);
      }),
    );
    if (restarting) await restarting;
    expect(killsAt).toEqual([]);

    await waitDrained(env.DATABASE_URL!, graph, SHOPPERS * PER_SHOPPER, () => svc.tail());
    const sql = postgres(env.DATABASE_URL!, { max: 1 });
    const [counts] = await sql`select count(*)::int as n, count(*) filter (where status = 'done')::int as done from inbox`;
    await sql.end();

    const ledger = echoLedger(sent, graph);
    printLedger('crash test', ledger, `${meta.refused} POSTs refused or cut by the kills and re-sent; ${counts!.n} stored, ${counts!.done} handled`);
    expect(counts).toEqual({ n: 2000, done: 2000 });
    expect(ledger).toMatchObject({ sent: 2000, answered: 2000, missing: [], duplicated: [], outOfOrder: [] });
    expect(graph.sends).toHaveLength(SHOPPERS * PER_SHOPPER);
  });
});
