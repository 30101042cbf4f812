import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { textWebhook } from '../helpers/harness.ts';
import { printLedger, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess, waitFor } from '../helpers/service-process.ts';

/**
 * SIGTERM while a turn waits on a model call that will not return: the process stops taking
 * webhooks, hands the claimed message back (without spending an attempt) and exits within
 * 10 s; the next process answers that message once.
 */
describe('fault: SIGTERM mid-turn', () => {
  const stack = faultStack({
    model: true,
    env: {
      LOG_LEVEL: 'info',
      BOT: 'assistant',
      OPENAI_TIMEOUT_MS: '60000',
      // far longer than the test: only the hand-back can make the message claimable again
      INBOX_LEASE_SECONDS: '600',
    },
  });

  it('drains, hands the claimed message back and exits in under 10 s', async () => {
    const [svc] = stack.services as [ServiceProcess];
    const meta = new MetaDelivery({ targets: () => [svc.url] });
    const wamid = 'wamid.sigterm.1';
    stack.model!.push({ hang: true });
    await meta.post(textWebhook({ from: '77011110001', body: 'нужен диван', wamid }));
    await waitFor('the turn to reach the model', async () => stack.model!.requests.length >= 1);

    const stopping = svc.kill('SIGTERM');
    await waitFor('the process to start draining', async () => svc.logLines().some((l) => l.msg === 'shutting down'));
    const during = await fetch(`${svc.url}/webhook`, { method: 'POST', body: '{}' }).then(
      (r) => r.status,
      () => 0,
    );
    const { code, ms } = await stopping;

    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql`select status, attempts from inbox where wamid = ${wamid}`;
    await sql.end();
    console.log(
      `[fault] SIGTERM mid-turn: exit code ${code} after ${ms} ms; a webhook during the drain got ${during || 'connection refused'}; the message was left ${row!.status} with ${row!.attempts} attempts`,
    );
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(during).not.toBe(200);
    expect(row).toEqual({ status: 'pending', attempts: 0 });

    await svc.start();
    await waitDrained(stack.databaseUrl, stack.graph, 1, () => svc.tail());
    const ledger = await turnLedger(stack.databaseUrl, [wamid], stack.graph);
    printLedger('SIGTERM mid-turn, then a new process', ledger);
    expect(ledger).toMatchObject({ sent: 1, answered: 1, missing: [], duplicated: [], outOfOrder: [] });
    expect(stack.graph.sends.map((s) => s.body.text?.body)).toEqual(['ok']);
  });
});
