import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, statusOf, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 40;
const PER_SHOPPER = 6;

/**
 * Redis (context, locks, rate buckets) is stopped for the middle third of the run, 30 s, and
 * started again, empty. The assistant keeps answering: context is lost, Postgres stays the record.
 */
describe('fault: Redis stopped and started mid-run', () => {
  const stack = faultStack({ env: { BOT: 'assistant' } });

  it('answers every message exactly once while Redis is down and after it is back', async () => {
    const [svc] = stack.services as [ServiceProcess];
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
      await waitDrained(stack.databaseUrl, stack.graph, 0, () => svc.tail());
      const r = await fetch(`${svc.url}/readyz`);
      const body = (await r.json()) as { checks: { store: string } };
      readiness.push(`${r.status} store ${body.checks.store.slice(0, 40)}`);
    };

    await phase(0);
    await stack.redis.stop();
    const downAt = Date.now();
    await phase(1);
    // Redis stays down for 30 s in all; the instance stays ready (Postgres is the record) and up
    const readyWhileDown: Record<number, number> = {};
    while (Date.now() - downAt < 30_000) {
      const status = await statusOf(`${svc.url}/readyz`);
      readyWhileDown[status] = (readyWhileDown[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Object.keys(readyWhileDown)).toEqual(['200']);
    await stack.redis.start();
    await phase(2);

    const ledger = await turnLedger(stack.databaseUrl, wamids, stack.graph);
    printLedger('Redis stopped and started', ledger, `readiness per phase: ${readiness.join(' | ')}`);
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(readiness[0]).toMatch(/^200 store ok/);
    expect(readiness[1]).toMatch(/^200 store down/);
    expect(readiness[2]).toMatch(/^200 store ok/);
  });
});
