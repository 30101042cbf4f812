import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { printLedger, shoppersSend, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess, waitFor } from '../helpers/service-process.ts';

const SHOPPERS = 40;
const PER_SHOPPER = 8;

/**
 * PostgreSQL, the record, is restarted (fast shutdown: connections cut) while messages arrive.
 * While it is down the webhook must not answer 200, so Meta keeps the message and redelivers;
 * once it is back, every message is answered exactly once.
 */
describe('fault: Postgres restarted mid-run', () => {
  const stack = faultStack({ postgres: 'private' });

  it('refuses webhooks while the database is down and answers each message once after', async () => {
    const [svc] = stack.services as [ServiceProcess];
    const meta = new MetaDelivery({ targets: () => [svc.url], pauseMs: 50 });
    let restarted: Promise<void> | null = null;
    const duringOutage = { refusedBefore: 0, refusedAfter: 0, readyz: 0 };
    const restart = async () => {
      stack.pg!.stop();
      duringOutage.refusedBefore = meta.refused;
      // the outage lasts until Meta has been refused a good number of times
      await waitFor(
        'webhooks to be refused',
        async () => meta.refused - duringOutage.refusedBefore >= 50,
        30_000,
        () => `${JSON.stringify(meta.statuses)}\n${svc.tail()}`,
      );
      duringOutage.readyz = (await fetch(`${svc.url}/readyz`)).status;
      duringOutage.refusedAfter = meta.refused;
      stack.pg!.start();
    };
    const sent = await shoppersSend(meta, {
      prefix: '7707',
      tag: 'pg',
      shoppers: SHOPPERS,
      perShopper: PER_SHOPPER,
      onSent: (so) => {
        if (so.length === 100 && !restarted) restarted = restart();
      },
    });
    await restarted;
    const wamids = sent.map((x) => x.wamid!);
    await waitDrained(stack.pg!.url, stack.graph, SHOPPERS * PER_SHOPPER, () => svc.tail());
    const ledger = await turnLedger(stack.pg!.url, wamids, stack.graph);
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
