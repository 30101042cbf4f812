import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { PostgresServer } from '../helpers/postgres-server.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { MetaDelivery, ServiceProcess, waitFor } from '../helpers/service-process.ts';

const SHOPPERS = 40;
const PER_SHOPPER = 8;

/**
 * PostgreSQL, the record, is restarted (fast shutdown: connections cut) while messages arrive.
 * While it is down the webhook must not answer 200, so Meta keeps the message and redelivers;
 * once it is back, every message is answered exactly once.
 */
describe('fault: Postgres restarted mid-run', () => {
  const graph = new FakeGraphApi();
  const redis = new RedisServer();
  const pg = new PostgresServer();
  let svc: ServiceProcess;

  beforeAll(async () => {
    await graph.start();
    await redis.start();
    await pg.init();
    pg.start();
    svc = new ServiceProcess({ graphUrl: graph.url, env: { DATABASE_URL: pg.url, REDIS_URL: redis.url } });
    await svc.start();
    graph.webhook = { url: `${svc.url}/webhook`, appSecret: 'test-app-secret' };
  });
  afterAll(async () => {
    await svc?.kill();
    await graph.stop();
    await redis.stop();
    pg.destroy();
  });

  it('refuses webhooks while the database is down and answers each message once after', async () => {
    const meta = new MetaDelivery({ targets: () => [svc.url], pauseMs: 50 });
    const wamids: string[] = [];
    let restarted: Promise<void> | null = null;
    const duringOutage = { refusedBefore: 0, refusedAfter: 0, readyz: 0 };
    await Promise.all(
      Array.from({ length: SHOPPERS }, async (_, i) => {
        for (let k = 0; k < PER_SHOPPER; k++) {
          const wamid = `wamid.pg.${i}.${k}`;
          await meta.post(textWebhook({ from: `7707${String(i).padStart(7, '0')}`, body: `s${i}-m${k}`, wamid }));
          wamids.push(wamid);
          if (wamids.length === 100 && !restarted) {
            restarted = (async () => {
              pg.stop();
              duringOutage.refusedBefore = meta.refused;
              // the outage lasts until Meta has been refused a good number of times
              await waitFor('webhooks to be refused', async () => meta.refused - duringOutage.refusedBefore >= 50, 30_000);
              duringOutage.readyz = (await fetch(`${svc.url}/readyz`)).status;
              duringOutage.refusedAfter = meta.refused;
              pg.start();
            })();
          }
        }
      }),
    );
    await restarted;
    await waitDrained(pg.url, graph, SHOPPERS * PER_SHOPPER, () => svc.tail());
    const ledger = await turnLedger(pg.url, wamids, graph);
    printLedger(
      'Postgres restarted',
      ledger,
      `webhook answers: ${JSON.stringify(meta.statuses)} (non-200 answers were delivered again, as Meta does); /readyz during the outage: ${duringOutage.readyz}; ` +
        `${svc.logLines().filter((l) => String(l.msg).startsWith('Meta accepted the message but')).length} sends accepted by Meta during the outage held until it was back`,
    );
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(meta.statuses[503]).toBeGreaterThanOrEqual(50);
    expect(Object.keys(meta.statuses).sort()).toEqual(['200', '503']);
    expect(duringOutage.readyz).toBe(503);
  });
});
