import { describe, expect, it } from 'vitest';
import { faultStack } from '../helpers/fault-stack.ts';
import { printLedger, shoppersSend, turnLedger, waitDrained } from '../helpers/ledger.ts';
import { assertServicesAlive, MetaDelivery, statusOf, waitFor, type ServiceProcess } from '../helpers/service-process.ts';

const SHOPPERS = 20;
const PER_SHOPPER = 4;
const OUTAGE_MS = 30_000;
const ADMIN_TOKEN = 'outage-admin-token-0123456789';

/**
 * PostgreSQL stays down for 30 s while the service is in full use: shoppers' webhooks, jobs
 * ticking every second or two, a signed-in manager's console and the admin API. The process
 * must never exit; /readyz is 503 at every probe; every request gets a 503 (never a 500 or a
 * refused connection); each job logs the outage once, not once a tick; and once Postgres is
 * back every message is answered exactly once.
 */
describe('fault: Postgres down for 30 s while webhooks, jobs and the console are in use', () => {
  const stack = faultStack({
    postgres: 'private',
    env: {
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      ANALYTICS_CRON: '*/2 * * * * *',
      PRICE_ALERT_CRON: '*/3 * * * * *',
      ESCALATION_SLA_CRON: '* * * * * *',
      ABANDONED_CART_CRON: '*/2 * * * * *',
    },
  });

  it('stays up, answers 503 throughout, logs each job once, and answers every message once after', async () => {
    const [svc] = stack.services as [ServiceProcess];
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const created = await fetch(`${svc.url}/admin/api/managers`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'aigerim', name: 'Aigerim', password: 'correct horse battery' }),
    });
    expect(created.status).toBe(201);
    const signIn = await fetch(`${svc.url}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'aigerim', password: 'correct horse battery' }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    // the console's live updates stay open across the outage (they need no database once open)
    const events = new AbortController();
    const sse = await fetch(`${svc.url}/console/events?token=${ADMIN_TOKEN}`, { signal: events.signal });
    expect(sse.status).toBe(200);

    const meta = new MetaDelivery({ targets: () => [svc.url], pauseMs: 100 });
    stack.pg!.stop();
    const downAt = Date.now();
    // shoppers write throughout; Meta keeps redelivering what is refused
    const sending = shoppersSend(meta, { prefix: '7708', tag: 'outage', shoppers: SHOPPERS, perShopper: PER_SHOPPER });
    sending.catch(() => {});
    const answers: Record<string, Record<number, number>> = {};
    const probe = async (name: string, init: RequestInit & { url: string }) => {
      const status = await statusOf(`${svc.url}${init.url}`, init);
      answers[name] ??= {};
      answers[name][status] = (answers[name][status] ?? 0) + 1;
    };
    let probes = 0;
    while (Date.now() - downAt < OUTAGE_MS) {
      await Promise.all([
        probe('readyz', { url: '/readyz' }),
        probe('healthz', { url: '/healthz' }),
        probe('console session', { url: '/console/session', headers: { cookie } }),
        probe('console analytics', { url: '/console/analytics/data', headers: { cookie } }),
        probe('console sign-in', {
          url: '/console/session',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: 'aigerim', password: 'correct horse battery' }),
        }),
        probe('admin escalations', { url: '/admin/api/escalations', headers: admin }),
        probe('admin orders', { url: '/admin/api/orders', headers: admin }),
        probe('admin job run', { url: '/admin/api/jobs/price-alerts/run', method: 'POST', headers: admin }),
      ]);
      probes++;
      // one round of probes every half second (the pace of a console's polling), not a tight loop
      await new Promise((r) => setTimeout(r, 500));
    }
    assertServicesAlive();
    const refusedDuringOutage = meta.refused;
    stack.pg!.start();
    const sent = await sending;
    events.abort();
    await waitDrained(stack.pg!.url, stack.graph, SHOPPERS * PER_SHOPPER, () => svc.tail());
    const ledger = await turnLedger(
      stack.pg!.url,
      sent.map((s) => s.wamid!),
      stack.graph,
    );

    const jobs = ['job analytics', 'job price-alerts', 'job escalation-sla', 'job abandoned-carts'];
    // each job's next tick after the outage logs its recovery (they tick every 1–3 s)
    await waitFor(
      'every job to log its recovery',
      async () => jobs.every((j) => svc.logLines().some((l) => l.what === j && String(l.msg).endsWith('works again'))),
      15_000,
      () => svc.tail(),
    );
    const lines = svc.logLines();
    const outageLines = (what: string) => lines.filter((l) => l.what === what && String(l.msg).includes('the database is unreachable')).length;
    printLedger(
      'Postgres down for 30 s',
      ledger,
      `${probes} rounds of probes: ${JSON.stringify(answers)}; webhooks refused during the outage ${refusedDuringOutage}; outage logged per job: ${jobs.map((j) => `${j} ${outageLines(j)}`).join(', ')}`,
    );
    expect(ledger).toMatchObject({ sent: SHOPPERS * PER_SHOPPER, answered: SHOPPERS * PER_SHOPPER, missing: [], duplicated: [], outOfOrder: [] });
    expect(refusedDuringOutage).toBeGreaterThan(0);
    expect(Object.keys(meta.statuses).sort()).toEqual(['200', '503']);
    expect(answers.readyz).toEqual({ 503: probes });
    expect(answers.healthz).toEqual({ 200: probes });
    for (const name of ['console session', 'console analytics', 'console sign-in', 'admin escalations', 'admin orders', 'admin job run'])
      expect(answers[name], name).toEqual({ 503: probes });
    for (const j of jobs) {
      expect(outageLines(j), `${j}: the outage logged once`).toBe(1);
    }
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });
});
