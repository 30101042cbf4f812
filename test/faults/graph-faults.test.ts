import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { echoLedger, printLedger, shoppersSend, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 50;
const PER_SHOPPER = 8;

/**
 * One send in five fails: 130429 throughput, 500, a timeout before Meta took the message, or a
 * timeout after it did (the message went out, the answer was lost; its status webhook with
 * our callback data settles it). Every message is answered exactly once, in order.
 */
describe('fault: Graph 429/5xx/timeouts on 20% of sends', () => {
  const stack = faultStack({ env: { WHATSAPP_TIMEOUT_MS: '400', OUTBOX_MAX_ATTEMPTS: '12' } });

  it('answers every message exactly once despite the faults', async () => {
    const [svc] = stack.services as [ServiceProcess];
    stack.graph.errorRate = 0.2;
    const meta = new MetaDelivery({ targets: () => [svc.url] });
    const sent = await shoppersSend(meta, { prefix: '7708', tag: 'graph', shoppers: SHOPPERS, perShopper: PER_SHOPPER });
    await waitDrained(stack.databaseUrl, stack.graph, SHOPPERS * PER_SHOPPER, () => svc.tail(), 180_000);
    const ledger = echoLedger(sent, stack.graph);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const outbound = metrics
      .split('\n')
      .filter((l) => l.startsWith('vitrina_outbound_total{'))
      .join(', ');
    printLedger('Graph faults on 20% of sends', ledger, `faults injected ${JSON.stringify(stack.graph.faultCounts)}; ${outbound}`);
    expect(Object.keys(stack.graph.faultCounts).sort()).toEqual(['accept-then-hang', 'hang', 'http 429', 'http 500']);
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
  });
});
