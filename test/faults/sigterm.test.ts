import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { backends } from '../helpers/backends.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { MetaDelivery, ServiceProcess, waitFor } from '../helpers/service-process.ts';

/**
 * SIGTERM while a turn waits on a model call that will not return: the process stops taking
 * webhooks, hands the claimed message back (without spending an attempt) and exits within
 * 10 s; the next process answers that message once.
 */
describe('fault: SIGTERM mid-turn', () => {
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
      env: {
        DATABASE_URL: env.DATABASE_URL!,
        REDIS_URL: redis.url,
        LOG_LEVEL: 'info',
        BOT: 'assistant',
        OPENAI_API_KEY: 'sk-fault',
        OPENAI_BASE_URL: model.url,
        OPENAI_TIMEOUT_MS: '60000',
        // far longer than the test: only the hand-back can make the message claimable again
        INBOX_LEASE_SECONDS: '600',
      },
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

  it('drains, hands the claimed message back and exits in under 10 s', async () => {
    const meta = new MetaDelivery({ targets: () => [svc.url] });
    const wamid = 'wamid.sigterm.1';
    model.push({ hang: true });
    await meta.post(textWebhook({ from: '77011110001', body: 'нужен диван', wamid }));
    await waitFor('the turn to reach the model', async () => model.requests.length >= 1);

    const stopping = svc.kill('SIGTERM');
    await waitFor('the process to start draining', async () => svc.logLines().some((l) => l.msg === 'shutting down'));
    const during = await fetch(`${svc.url}/webhook`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 0);
    const { code, ms } = await stopping;

    const sql = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const [row] = await sql`select status, attempts from inbox where wamid = ${wamid}`;
    await sql.end();
    console.log(`[fault] SIGTERM mid-turn: exit code ${code} after ${ms} ms; a webhook during the drain got ${during || 'connection refused'}; the message was left ${row!.status} with ${row!.attempts} attempts`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(during).not.toBe(200);
    expect(row).toEqual({ status: 'pending', attempts: 0 });

    await svc.start();
    await waitDrained(env.DATABASE_URL!, graph, 1, () => svc.tail());
    const ledger = await turnLedger(env.DATABASE_URL!, [wamid], graph);
    printLedger('SIGTERM mid-turn, then a new process', ledger);
    expect(ledger).toMatchObject({ sent: 1, answered: 1, missing: [], duplicated: [], outOfOrder: [] });
    expect(graph.sends.map((s) => s.body.text?.body)).toEqual(['ok']);
  });
});
