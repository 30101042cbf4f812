import { validate } from 'node-cron';
import { ConfigError, NotFoundError } from '../errors.ts';
import type { AnalyticsArea, CatalogArea, Commerce, HandoffArea, Messaging, Platform } from '../services/services.ts';
import { runAbandonedCarts } from './abandoned-carts.ts';
import { syncMetaCatalog } from '../catalog/meta-catalog.ts';
import { runNewArrivals } from './new-arrivals.ts';
import { runPriceAlerts } from './price-alerts.ts';
import { pullFeed } from '../catalog/catalog-feed.ts';
import { JobClaims } from './job-claims.ts';

export type JobResult = { job: string; ran: boolean; reason?: string; counts?: Record<string, number>; report?: unknown };

/** A job's counts, or its counts and a report to print (what Meta refused). */
type JobOutcome = Record<string, number> | { counts: Record<string, number>; report: unknown };

/** What the jobs reach together; each job's own parameter names the part it uses. */
export type JobServices = Platform & Pick<Messaging, 'sender' | 'client'> & HandoffArea & Commerce & Pick<CatalogArea, 'catalogWrites'> & AnalyticsArea;

type Notify = Pick<Messaging, 'sender'>;

/** Every scheduled job by name; each reports what it did as counts. */
const JOBS: Record<string, (s: JobServices) => Promise<JobOutcome>> = {
  'price-alerts': async (s: Platform & Notify) => {
    const counts = await runPriceAlerts({
      db: s.database.db,
      now: s.clock.now(),
      templates: s.templates.current(),
      defaultLanguage: s.profile.current().defaultLanguage,
    });
    if (counts.enqueued || counts.backInStock) s.sender.pump.notify();
    return { ...counts };
  },
  'escalation-sla': async (s: HandoffArea & Notify) => {
    const counts = await s.handoff.runSla();
    s.sender.pump.notify();
    return counts;
  },
  'crm-sync': async (s: HandoffArea & Commerce) => ({ ...(await s.handoff.syncCrm()), ...(await s.orders.syncCrm()) }),
  'abandoned-carts': async (s: Platform & HandoffArea & Notify) => {
    const counts = await runAbandonedCarts({
      db: s.database.db,
      now: s.clock.now(),
      hours: s.config.ABANDONED_CART_HOURS,
      templates: s.templates.current(),
      phrases: s.phrases,
      defaultLanguage: s.profile.current().defaultLanguage,
      managers: s.handoff.managers,
    });
    if (counts.freeForm || counts.template) s.sender.pump.notify();
    return { ...counts };
  },
  'meta-catalog': async (s: Platform & Pick<Messaging, 'client'>) => {
    const r = await syncMetaCatalog({
      db: s.database.db,
      client: s.client,
      catalogId: s.config.WHATSAPP_CATALOG_ID,
      publicUrl: s.config.PUBLIC_URL ?? null,
      log: s.log,
      now: s.clock.now(),
    });
    return { counts: { sent: r.sent, refused: r.refused.length }, report: { refused: r.refused } };
  },
  'catalog-feed': async (s: Platform & Pick<CatalogArea, 'catalogWrites'>): Promise<JobOutcome> => {
    if (!s.config.CATALOG_FEED_URL) return { counts: { failed: 1 }, report: { status: 'failed', error: 'CATALOG_FEED_URL is not set' } };
    const r = await pullFeed({
      db: s.database.db,
      writes: s.catalogWrites,
      url: s.config.CATALOG_FEED_URL,
      now: () => s.clock.now(),
      log: s.log,
      redirects: s.config.CATALOG_FEED_REDIRECTS,
      maxRemovalPercent: s.config.CATALOG_FEED_MAX_REMOVAL_PERCENT,
    });
    return {
      counts: { imported: r.status === 'imported' ? 1 : 0, notModified: r.status === 'not-modified' ? 1 : 0, failed: r.status === 'failed' ? 1 : 0 },
      report: r,
    };
  },
  analytics: async (s: AnalyticsArea): Promise<JobOutcome> => {
    const r = await s.analytics.refresh();
    return { counts: { days: r.days }, report: r };
  },
  'new-arrivals': async (s: Platform & Notify) => {
    const counts = await runNewArrivals({
      db: s.database.db,
      now: s.clock.now(),
      templates: s.templates.current(),
      defaultLanguage: s.profile.current().defaultLanguage,
    });
    if (counts.enqueued) s.sender.pump.notify();
    return counts;
  },
};

export const JOB_NAMES = Object.keys(JOBS);

/** Cron expressions from the environment, checked at start-up (a bad one names its variable). */
export function jobSchedules(env: {
  PRICE_ALERT_CRON: string;
  NEW_ARRIVALS_CRON: string;
  ESCALATION_SLA_CRON?: string;
  BITRIX24_WEBHOOK_URL?: string;
  ABANDONED_CART_CRON: string;
  META_CATALOG_CRON: string;
  WHATSAPP_CATALOG_ID?: string;
  CATALOG_FEED_URL?: string;
  CATALOG_FEED_CRON?: string;
  ANALYTICS_CRON: string;
}): Array<{ name: string; cron: string }> {
  const list = [
    { name: 'abandoned-carts', cron: env.ABANDONED_CART_CRON, variable: 'ABANDONED_CART_CRON' },
    ...(env.WHATSAPP_CATALOG_ID ? [{ name: 'meta-catalog', cron: env.META_CATALOG_CRON, variable: 'META_CATALOG_CRON' }] : []),
    ...(env.ESCALATION_SLA_CRON ? [{ name: 'escalation-sla', cron: env.ESCALATION_SLA_CRON, variable: 'ESCALATION_SLA_CRON' }] : []),
    ...(env.BITRIX24_WEBHOOK_URL && env.ESCALATION_SLA_CRON ? [{ name: 'crm-sync', cron: env.ESCALATION_SLA_CRON, variable: 'ESCALATION_SLA_CRON' }] : []),
    ...(env.CATALOG_FEED_URL && env.CATALOG_FEED_CRON ? [{ name: 'catalog-feed', cron: env.CATALOG_FEED_CRON, variable: 'CATALOG_FEED_CRON' }] : []),
    { name: 'price-alerts', cron: env.PRICE_ALERT_CRON, variable: 'PRICE_ALERT_CRON' },
    { name: 'analytics', cron: env.ANALYTICS_CRON, variable: 'ANALYTICS_CRON' },
    { name: 'new-arrivals', cron: env.NEW_ARRIVALS_CRON, variable: 'NEW_ARRIVALS_CRON' },
  ];
  for (const j of list) if (!validate(j.cron)) throw new ConfigError(`invalid configuration — ${j.variable}: "${j.cron}" is not a cron expression`);
  return list.map(({ name, cron }) => ({ name, cron }));
}

/**
 * Runs a job once across all processes: the run holds the job's lease in Postgres, and a run
 * that finds it held reports ran: false. A cron run also claims its `tick` (the scheduled
 * second) for good, so a process whose timer fires after another's run has already finished
 * does not run that tick a second time. Postgres down: nothing is claimed and nothing runs
 * (the jobs need it anyway); Redis down changes nothing.
 */
export async function runJob(s: JobServices, name: string, opts: { tick?: Date } = {}): Promise<JobResult> {
  const job = JOBS[name];
  if (!job) throw new NotFoundError(`no job "${name}" (have: ${JOB_NAMES.join(', ')})`);
  const claims = new JobClaims(s.database.db);
  const tick = opts.tick ? new Date(Math.floor(opts.tick.getTime() / 1000) * 1000) : undefined;
  const failed = (err: unknown) => {
    s.metrics.jobRuns.inc({ job: name, outcome: 'failed' });
    throw err;
  };
  if (tick && !(await claims.claimTick(name, tick, s.clock.now()).catch(failed))) {
    s.metrics.jobRuns.inc({ job: name, outcome: 'skipped' });
    s.log.debug({ job: name, tick }, 'job tick already run by another process');
    return { job: name, ran: false, reason: 'another process ran this tick' };
  }
  const lock = await claims.lock(name, 10 * 60_000, s.clock.now()).catch(failed);
  if (!lock) {
    s.metrics.jobRuns.inc({ job: name, outcome: 'skipped' });
    return { job: name, ran: false, reason: 'another run holds the lock' };
  }
  try {
    const outcome = await job(s);
    const counts = 'counts' in outcome && typeof outcome.counts === 'object' ? (outcome.counts as Record<string, number>) : (outcome as Record<string, number>);
    const report = 'report' in outcome ? outcome.report : undefined;
    s.metrics.jobRuns.inc({ job: name, outcome: 'ran' });
    for (const [count, n] of Object.entries(counts)) if (n) s.metrics.jobItems.inc({ job: name, count }, n);
    s.log.info({ job: name, ...(tick ? { tick: tick.toISOString() } : {}), ...counts }, 'job ran');
    return { job: name, ran: true, counts, ...(report !== undefined ? { report } : {}) };
  } catch (err) {
    return failed(err);
  } finally {
    await claims.unlock(lock).catch((err) => s.log.warn({ job: name, err: String(err) }, 'job lease not released; it runs out by itself'));
  }
}
