import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { backends } from '../helpers/backends.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { MetaDelivery, ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 40;

/**
 * The model's API goes away (connections refused) for the middle round and comes back. Every
 * message is still answered once: by the model, or by the offline rules while it is out.
 */
describe('fault: model outage', () => {
  const backend = backends()[1]!;
  const graph = new FakeGraphApi();
  const model = new FakeOpenAI();
  const redis = new RedisServer();
  let svc: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    await graph.start();
    await model.start();
    await redis.start();
    env = await backend.env();
    svc = new ServiceProcess({
      graphUrl: graph.url,
      env: { DATABASE_URL: env.DATABASE_URL!, REDIS_URL: redis.url, BOT: 'assistant', OPENAI_API_KEY: 'sk-fault', OPENAI_BASE_URL: model.url, OPENAI_TIMEOUT_MS: '2000' },
    });
    await svc.start();
    graph.webhook = { url: `${svc.url}/webhook`, appSecret: 'test-app-secret' };
  });
  afterAll(async () => {
    await svc?.kill();
    await graph.stop();
    await model.stop();
    await redis.stop();
    await backend.cleanup();
  });

  it('answers with the offline rules while the model is out, and with the model after', async () => {
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
      await waitDrained(env.DATABASE_URL!, graph, 0, () => svc.tail());
    };
    await round(0);
    await model.stop();
    await round(1);
    await model.start();
    await round(2);

    const ledger = await turnLedger(env.DATABASE_URL!, wamids, graph);
    const byModel = graph.sends.filter((s) => s.body.text?.body === 'ok').length;
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const calls = metrics.split('\n').filter((l) => l.startsWith('vitrina_model_calls_total{')).join(', ');
    printLedger('model outage', ledger, `${byModel} answers written by the model, ${ledger.replies - byModel} by the offline rules; ${calls}`);
    expect(ledger).toMatchObject({ sent: SHOPPERS * 3, answered: SHOPPERS * 3, missing: [], duplicated: [], outOfOrder: [] });
    expect(byModel).toBe(SHOPPERS * 2);
    expect(metrics).toMatch(new RegExp(`vitrina_model_calls_total\\{endpoint="chat/completions",outcome="network"\\} ${SHOPPERS}\\n`));
  });
});
