import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { PHONE_NUMBER_ID, textWebhook } from '../helpers/harness.ts';
import { echoLedger, printLedger, waitDrained, type Sent } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 80;
const BURSTS = 3;
const BURST_SIZE = 4;

/**
 * Shoppers type in bursts (several messages in a row, merged into one turn by the debounce)
 * while the service is SIGKILLed twice. Every message must be answered exactly once, in order.
 */
describe('fault: SIGKILL during bursts', () => {
  const stack = faultStack({ env: { TURN_DEBOUNCE_MS: '150' } });

  it('answers every message of every burst exactly once, in order', async () => {
    const [svc] = stack.services as [ServiceProcess];
    let restarting: Promise<unknown> | null = null;
    const meta = new MetaDelivery({ targets: () => [svc.url], paused: () => restarting });
    const sent: Sent[] = [];
    const killAt = [300, 700];
    let kills = 0;
    await Promise.all(
      Array.from({ length: SHOPPERS }, async (_, i) => {
        const from = `7705${String(i).padStart(7, '0')}`;
        for (let b = 0; b < BURSTS; b++) {
          // a burst: messages back to back, the next burst after the answer could have come
          for (let k = 0; k < BURST_SIZE; k++) {
            const text = `s${i}-b${b}-m${k}`;
            await meta.post(textWebhook({ from, body: text, wamid: `wamid.burst.${i}.${b}.${k}` }));
            sent.push({ from, text });
            if (killAt.length && sent.length >= killAt[0]! && !restarting) {
              killAt.shift();
              kills++;
              restarting = svc
                .kill('SIGKILL')
                .then(() => svc.start())
                .finally(() => (restarting = null));
            }
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
    if (restarting) await restarting;
    await waitDrained(stack.databaseUrl, stack.graph, 0, () => svc.tail());
    const ledger = echoLedger(sent, stack.graph);
    printLedger(
      'SIGKILL during bursts',
      ledger,
      `${kills} kills, ${meta.refused} deliveries refused or cut and repeated, ${stack.graph.sends.length} replies for ${sent.length} messages (bursts merged)`,
    );
    expect(kills).toBe(2);
    expect(ledger).toMatchObject({
      sent: SHOPPERS * BURSTS * BURST_SIZE,
      answered: SHOPPERS * BURSTS * BURST_SIZE,
      missing: [],
      duplicated: [],
      outOfOrder: [],
    });
    expect(stack.graph.sends.every((s) => s.body.to !== undefined && s.path.includes(PHONE_NUMBER_ID))).toBe(true);
  });
});
