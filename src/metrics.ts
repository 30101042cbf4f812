import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per service instance (tests build several in one process). */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhookRequests: new Counter({ name: 'vitrina_webhook_requests_total', help: 'Webhook POSTs by HTTP status', labelNames: ['status'], registers: [registry] }),
    webhookLatency: new Histogram({
      name: 'vitrina_webhook_seconds',
      help: 'Webhook POST handling time',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    inboxFailed: new Counter({ name: 'vitrina_inbox_failed_total', help: 'Inbound messages given up after N attempts', registers: [registry] }),
    turns: new Counter({ name: 'vitrina_turns_total', help: 'Bot turns by outcome', labelNames: ['outcome'], registers: [registry] }),
    turnLatency: new Histogram({ name: 'vitrina_turn_seconds', help: 'Time to handle one inbound message', registers: [registry] }),
    outbound: new Counter({ name: 'vitrina_outbound_total', help: 'Outbound sends by status and Meta error code', labelNames: ['status', 'code'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
