import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 40;

/**
 * The model's API goes away (connections refused) for the middle round and comes back. Every
 * message is still answered once: by the model, or by the offline rules while it is out.
 */
describe('fault: model outage', () => {
  const stack = faultStack({ model: true, env: { BOT: 'assistant', OPENAI_TIMEOUT_MS: '2000' } });

  it('answers with the offline rules while the model is out, and with the model after', async () => {
    const [svc] = stack.services as [ServiceProcess];
    const meta = new MetaDelivery({ targets: () => [svc.url] });
    const wamids: string[] = [];
    const round = async (r: number) => {
      await Promise.all(
        Array.from({ length: SHOPPERS }, async (_, i) => {
          const wamid = `wamid.model.${i}.${r}`;
          await meta.post(textWebhook({ from: `7709${String(i).padStart(7, '0')}`, body: 'нужен диван', wamid }));
          wamids.push(wamid);
        }),
      );
      await waitDrained(stack.databaseUrl, stack.graph, 0, () => svc.tail());
    };
    await round(0);
    await stack.model!.stop();
    await round(1);
    await stack.model!.start();
    await round(2);

    const ledger = await turnLedger(stack.databaseUrl, wamids, stack.graph);
    const byModel = stack.graph.sends.filter((s) => s.body.text?.body === 'ok').length;
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const calls = metrics
      .split('\n')
      .filter((l) => l.startsWith('vitrina_model_calls_total{'))
      .join(', ');
    printLedger('model outage', ledger, `${byModel} answers written by the model, ${ledger.replies - byModel} by the offline rules; ${calls}`);
    expect(ledger).toMatchObject({ sent: SHOPPERS * 3, answered: SHOPPERS * 3, missing: [], duplicated: [], outOfOrder: [] });
    expect(byModel).toBe(SHOPPERS * 2);
    expect(metrics).toMatch(new RegExp(`vitrina_model_calls_total\\{endpoint="chat/completions",outcome="network"\\} ${SHOPPERS}\\n`));
  });
});
