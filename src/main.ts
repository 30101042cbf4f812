import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { accounts } from './console/manager-accounts.ts';
import { loadConfig, type Config } from './config.ts';
import { ConfigError, TemplateError } from './errors.ts';
import { loadDemoCatalogIfEmpty } from './catalog/demo.ts';
import { removeServerInfo, writeServerInfo } from './server-info.ts';
import { buildServices, type Services } from './services/services.ts';
import cron, { type ScheduledTask } from 'node-cron';
import { jobSchedules, runJob } from './jobs/jobs.ts';
import { BackgroundFailures, installRejectionAlarm } from './background.ts';

/** Time given to claimed work on SIGTERM; connections close after it. */
const SHUTDOWN_BUDGET_MS = 7_000;

async function main(): Promise<void> {
  let config: Config;
  let schedules: ReturnType<typeof jobSchedules>;
  try {
    config = loadConfig();
    schedules = jobSchedules(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`vitrina: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  let services: Services;
  try {
    services = await buildServices(config);
  } catch (err) {
    // a mistake in store.yaml, synonyms.yaml, lexicon.yaml or phrases.yaml: its file:line, no
    // stack; a DATA_DIR another process holds: who holds it
    if (err instanceof TemplateError || err instanceof ConfigError) {
      console.error(`vitrina: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  if (services.database.kind === 'pglite') {
    await loadDemoCatalogIfEmpty({
      db: services.database.db,
      writes: services.catalogWrites,
      log: services.log,
      storeDir: config.storeDir,
      enabled: config.DEMO_CATALOG !== 'off',
    });
  }
  await services.database.warmIntake();
  installRejectionAlarm(services.log, () => services.metrics.unhandledRejections.inc());
  const background = new BackgroundFailures(services.log);
  const app = createApp(services);
  const tasks: ScheduledTask[] = [];
  // Listen first: after a crash, status webhooks that settle in-doubt sends should land before
  // the workers start reclaiming expired leases.
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    if (config.WORKERS === 'on') {
      services.inbox.pump.start();
      services.sender.pump.start();
    }
    if (config.CRON === 'on') {
      // Every process schedules; the job's lock makes each tick run once across them.
      for (const j of schedules) {
        tasks.push(
          cron.schedule(j.cron, (tick) => void background.tick(`job ${j.name}`, () => runJob(services, j.name, { tick: tick.date }), { job: j.name })),
        );
      }
    }
    services.templates.watch();
    services.profile.watch();
    services.vocabulary.watch();
    services.embeddings?.watch(30_000);
    if (services.database.kind === 'pglite') writeServerInfo(config.DATA_DIR, { pid: process.pid, port: info.port, adminToken: services.adminToken });
    services.log.info(
      { port: info.port, database: services.database.kind, store: services.kv.kind, whatsapp: services.sandbox ? 'sandbox' : 'graph' },
      services.sandbox ? `Vitrina is up — open http://localhost:${info.port}/sandbox` : 'Vitrina is up',
    );
    void background.tick('console accounts check', async () => {
      if (!(await accounts.list(services.database.db)).length)
        services.log.info('no console accounts yet: `npx vitrina managers add LOGIN --name NAME` makes one for /console');
    });
  });

  // a port another program holds is one line, not a stack trace
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
    console.error(
      `vitrina: port ${config.PORT} ${err.code === 'EADDRINUSE' ? 'is in use by another program' : 'may not be opened by this user'}: set PORT to a free one`,
    );
    process.exit(1);
  });

  // SIGTERM: readiness and webhooks answer 503 at once (Meta redelivers elsewhere), claimed
  // turns get most of the budget to finish and are handed back otherwise, then connections
  // close. The whole stop fits in SHUTDOWN_BUDGET_MS, under the 10 s orchestrators allow.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    services.health.draining = true;
    services.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      services.log.error({ signal }, 'shutdown over budget; exiting');
      process.exit(1);
    }, 9_500);
    force.unref();
    for (const t of tasks) void t.stop();
    server.close();
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    if (services.database.kind === 'pglite') removeServerInfo(config.DATA_DIR);
    await services.close({ graceMs: SHUTDOWN_BUDGET_MS }).catch((err) => services.log.error({ err }, 'shutdown error'));
    services.log.info({ signal, ms: Date.now() - started }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
