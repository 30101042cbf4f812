import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueDepth {
  inbox: { open: number; oldestAgeSeconds: number };
  outbox: { open: number; oldestAgeSeconds: number };
}

/**
 * One registry per service instance (tests build several in one process). Queue gauges are
 * read from Postgres when scraped, so every instance reports the same shared depth.
 */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let readDepth: (() => Promise<QueueDepth>) | null = null;
  let onDepthError: ((err: unknown) => void) | null = null;
  // One query per scrape feeds all four gauges.
  let depthOnce: Promise<QueueDepth | null> | null = null;
  const depth = () => {
    depthOnce ??= (readDepth ? readDepth().catch((err: unknown) => (onDepthError?.(err), null)) : Promise.resolve(null)).finally(() =>
      setTimeout(() => (depthOnce = null), 0),
    );
    return depthOnce;
  };
  const queueGauge = (name: string, help: string, pick: (d: QueueDepth) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const d = await depth();
        if (d) this.set(pick(d));
      },
    });

  return {
    registry,
    /** Wires the queue gauges to the database once it is open. */
    /** The queue gauges read `fn` at scrape time; a failed read leaves them unset and is reported to `onError`. */
    watchQueues(fn: () => Promise<QueueDepth>, onError?: (err: unknown) => void) {
      readDepth = fn;
      onDepthError = onError ?? null;
    },
    webhookRequests: new Counter({ name: 'vitrina_webhook_requests_total', help: 'Webhook POSTs by HTTP status', labelNames: ['status'], registers }),
    webhookLatency: new Histogram({
      name: 'vitrina_webhook_seconds',
      help: 'Webhook POST handling time',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    inboxDepth: queueGauge('vitrina_inbox_depth', 'Inbound messages not yet answered (pending or processing)', (d) => d.inbox.open),
    inboxOldest: queueGauge('vitrina_inbox_oldest_age_seconds', 'Age of the oldest unanswered inbound message', (d) => d.inbox.oldestAgeSeconds),
    outboxDepth: queueGauge('vitrina_outbox_depth', 'Outbound messages not yet accepted by Meta (pending or sending)', (d) => d.outbox.open),
    outboxOldest: queueGauge('vitrina_outbox_oldest_age_seconds', 'Age of the oldest outbound message not yet accepted', (d) => d.outbox.oldestAgeSeconds),
    inboxFailed: new Counter({ name: 'vitrina_inbox_failed_total', help: 'Inbound messages given up after N attempts', registers }),
    turns: new Counter({ name: 'vitrina_turns_total', help: 'Bot turns by outcome', labelNames: ['outcome'], registers }),
    turnLatency: new Histogram({ name: 'vitrina_turn_seconds', help: 'Time to handle one inbound message', registers }),
    modelLatency: new Histogram({
      name: 'vitrina_model_seconds',
      help: 'OpenAI call time by endpoint (chat, transcription)',
      labelNames: ['endpoint'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
      registers,
    }),
    modelCalls: new Counter({
      name: 'vitrina_model_calls_total',
      help: 'OpenAI calls by endpoint and outcome (ok, HTTP status, timeout, network)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    }),
    modelTokens: new Counter({
      name: 'vitrina_model_tokens_total',
      help: 'OpenAI tokens by endpoint and kind (prompt, completion)',
      labelNames: ['endpoint', 'kind'],
      registers,
    }),
    outbound: new Counter({ name: 'vitrina_outbound_total', help: 'Outbound sends by status and Meta error code', labelNames: ['status', 'code'], registers }),
    jobRuns: new Counter({
      name: 'vitrina_job_runs_total',
      help: 'Scheduled job runs by outcome (ran, skipped: another process held the lock, failed)',
      labelNames: ['job', 'outcome'],
      registers,
    }),
    onecCalls: new Counter({
      name: 'vitrina_onec_calls_total',
      help: '1C exchange calls by type, mode and answer (success, progress, failure)',
      labelNames: ['type', 'mode', 'outcome'],
      registers,
    }),
    catalogImportItems: new Counter({
      name: 'vitrina_catalog_import_items_total',
      help: 'What catalog imports from the store system did, by source (1c, feed, file) and count (goods, offers, inserted, priceChanges, …)',
      labelNames: ['source', 'count'],
      registers,
    }),
    unhandledRejections: new Counter({
      name: 'vitrina_unhandled_rejections_total',
      help: 'Promises rejected with no handler (each one a bug; the process stays up)',
      registers,
    }),
    jobItems: new Counter({ name: 'vitrina_job_items_total', help: 'What job runs did, by the counts each reports', labelNames: ['job', 'count'], registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
