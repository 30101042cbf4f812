import { describe, expect, it } from 'vitest';
import type { FakeGraphApi } from '../fakes/graph-api.ts';
import { faultStack } from '../helpers/fault-stack.ts';
import { echoLedger, printLedger, shoppersSend, waitDrained } from '../helpers/ledger.ts';
import { MetaDelivery, type ServiceProcess, waitFor } from '../helpers/service-process.ts';

const SHOPPERS = 100;
const PER_SHOPPER = 10;
const JOBS = ['price-alerts', 'escalation-sla'];

/**
 * Two service processes behind a round-robin "load balancer", on one Postgres and one Redis,
 * both running cron every second. No reply is sent twice, each shopper's replies keep order,
 * and each job runs once per tick across the two.
 */
describe('fault: two processes on one Postgres and Redis', () => {
  const stack = faultStack({
    instances: 2,
    env: { LOG_LEVEL: 'info', PRICE_ALERT_CRON: '* * * * * *', ESCALATION_SLA_CRON: '* * * * * *' },
  });

  it('answers each message once and runs each job once per tick', async () => {
    const [a, b] = stack.services as [ServiceProcess, ServiceProcess];
    const meta = new MetaDelivery({ targets: () => [a.url, b.url] });
    const sent = await shoppersSend(meta, { prefix: '7710', tag: 'two', shoppers: SHOPPERS, perShopper: PER_SHOPPER });
    await waitDrained(stack.databaseUrl, stack.graph, SHOPPERS * PER_SHOPPER, () => a.tail() + b.tail());
    const runs = () => [...a.logLines(), ...b.logLines()].filter((l) => l.msg === 'job ran' && l.tick);
    // let cron tick a few more times with both processes idle
    const ticksBefore = new Set(runs().map((r) => r.tick)).size;
    await waitFor('five more cron ticks', async () => new Set(runs().map((r) => r.tick)).size >= ticksBefore + 5, 30_000);

    const ledger = echoLedger(sent, stack.graph);
    const answeredBy = {
      A: a.logLines().filter((l) => l.msg === 'message answered').length,
      B: b.logLines().filter((l) => l.msg === 'message answered').length,
    };
    const perJob = JOBS.map((job) => {
      const ticks = runs()
        .filter((r) => r.job === job)
        .map((r) => r.tick as string);
      return { job, runs: ticks.length, ticks: new Set(ticks).size, byA: a.logLines().filter((l) => l.msg === 'job ran' && l.job === job).length };
    });
    printLedger(
      'two processes',
      ledger,
      `answered by A ${answeredBy.A}, by B ${answeredBy.B}; cron ${perJob.map((j) => `${j.job}: ${j.runs} runs over ${j.ticks} ticks (A ${j.byA}, B ${j.runs - j.byA})`).join(', ')}`,
    );
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(answeredBy.A).toBeGreaterThan(0);
    expect(answeredBy.B).toBeGreaterThan(0);
    for (const j of perJob) {
      expect(j.ticks).toBeGreaterThanOrEqual(5);
      expect(j.runs).toBe(j.ticks);
    }
  });

  it('one instance SIGKILLed halfway: the other answers everything, its leased messages included', async () => {
    const [a, b] = stack.services as [ServiceProcess, ServiceProcess];
    let bAlive = true;
    const meta = new MetaDelivery({ targets: () => (bAlive ? [a.url, b.url] : [a.url]) });
    let killed: Promise<unknown> | null = null;
    const sent = await shoppersSend(meta, {
      prefix: '7711',
      tag: 'failover',
      shoppers: SHOPPERS,
      perShopper: PER_SHOPPER,
      onSent: (so) => {
        if (so.length === (SHOPPERS * PER_SHOPPER) / 2) killed = b.kill('SIGKILL').then(() => (bAlive = false));
      },
    });
    await killed;
    await waitDrained(stack.databaseUrl, stack.graph, SHOPPERS * PER_SHOPPER * 2, () => a.tail());
    const mine = new Set(sent.map((x) => x.from));
    const ledger = echoLedger(sent, { sends: stack.graph.sends.filter((x) => mine.has(String(x.body.to).replace(/^\+/, ''))) } as FakeGraphApi);
    printLedger('one of two instances killed', ledger, `${meta.refused} deliveries to the dead instance refused and sent to the live one`);
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
  });
});
