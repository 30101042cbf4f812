import { randomBytes } from 'node:crypto';
import { RateLimiter } from '../outbox/rate-limiter.ts';
import { Sender } from '../outbox/sender.ts';
import { SandboxGraph } from '../sandbox/sandbox-graph.ts';
import { Intake } from '../webhook/intake.ts';
import { WhatsAppClient } from '../whatsapp/client.ts';
import type { Platform } from './platform.ts';
import type { BuildOptions } from './build-options.ts';

/** WhatsApp in and out: the Graph API client (or the sandbox's stand-in), the webhook's intake, the outbox's sender. */
export interface Messaging {
  client: WhatsAppClient;
  /** Present in sandbox mode (no WHATSAPP_TOKEN). */
  sandbox: SandboxGraph | null;
  /** The app secret webhooks are signed with; random per process in sandbox mode. */
  appSecret: string;
  phoneNumberId: string;
  intake: Intake;
  sender: Sender;
}

/**
 * Built before the turns so the workers can yield to intake; `onInbound` is called for each
 * webhook that stored new messages (the composer points it at the inbox's pump).
 */
export function buildMessaging(p: Platform, opts: BuildOptions, onInbound: () => void): Messaging {
  const { config, clock, log, database, templates } = p;
  const phoneNumberId = config.WHATSAPP_PHONE_NUMBER_ID ?? 'sandbox';
  const sandbox = config.sandbox ? new SandboxGraph({ clock, phoneNumberId, log, templates: () => templates.current() }) : null;
  const client = new WhatsAppClient({
    baseUrl: sandbox ? 'http://sandbox' : config.WHATSAPP_API_URL,
    version: config.WHATSAPP_API_VERSION,
    token: config.WHATSAPP_TOKEN ?? 'sandbox',
    timeoutMs: config.WHATSAPP_TIMEOUT_MS,
    fetch: sandbox?.fetch,
  });
  const intake = new Intake({ db: database.intakeDb, clock, log, onMessages: onInbound, urgent: database.urgent });
  const sender = new Sender({
    db: database.db,
    client,
    limiter: new RateLimiter({ kv: p.kv, clock, mps: config.WHATSAPP_MAX_MPS, log }),
    clock,
    log,
    metrics: p.metrics,
    defaultPhoneNumberId: phoneNumberId,
    concurrency: config.OUTBOX_CONCURRENCY,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    templateCategory: (name) => [...templates.current().values()].find((t) => t.name === name)?.category ?? null,
    checkApproval: !config.sandbox,
    pollMs: config.WORKER_POLL_MS,
    yieldTo: yieldToIntake(p, intake),
    leaseMs: config.OUTBOX_LEASE_SECONDS * 1000,
    random: opts.random,
    backoffBaseMs: opts.backoffBaseMs,
  });
  return { client, sandbox, appSecret: config.WHATSAPP_APP_SECRET ?? randomBytes(32).toString('hex'), phoneNumberId, intake, sender };
}

/** PGlite is one connection: the workers step aside while a webhook is being stored. */
export const yieldToIntake = (p: Platform, intake: Intake): (() => boolean) | undefined => (p.database.kind === 'pglite' ? () => intake.busy : undefined);
