import pino from 'pino';
import { createApp } from '../../src/app.ts';
import { loadDemoCatalogIfEmpty } from '../../src/catalog/demo.ts';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig, sampleStoreDir } from '../../src/config.ts';
import { buildServices, type BuildOptions, type Services } from '../../src/services/services.ts';
import { signBody } from '../../src/webhook/signature.ts';
import { messagesEnvelope, statusesEnvelope, textMessage, unixSeconds } from '../../src/webhook/envelopes.ts';
import type { Backend } from './backends.ts';

export const APP_SECRET = 'test-app-secret';
export const VERIFY_TOKEN = 'test-verify-token';
export const PHONE_NUMBER_ID = '106540352242922';

export interface Harness {
  services: Services;
  app: ReturnType<typeof createApp>;
  clock: ManualClock;
  /** POSTs a webhook body signed with the app secret. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Runs inbox and outbox until both are idle. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A whole service on the given backend, with a manual clock. With `graphUrl` it talks to the
 * fake Graph API as production talks to Meta; without, it runs in sandbox mode.
 */
export async function startHarness(opts: {
  backend: Backend;
  graphUrl?: string;
  env?: Record<string, string>;
  build?: BuildOptions;
  /** Load the store folder's catalog (true: the furniture demo the embedded default loads); a sample's name brings its folder under templates/samples/. */
  demo?: boolean | string;
}): Promise<Harness> {
  const clock = new ManualClock(Date.now());
  const env = await opts.backend.env();
  const config = loadConfig({
    ...env,
    LOG_LEVEL: 'silent',
    // Platform tests use the echo bot so each reply names its message; assistant tests set BOT.
    BOT: 'echo',
    TURN_DEBOUNCE_MS: '0',
    // tests run at any hour: managers are always "at work" unless a test says otherwise
    WORKING_HOURS: '00:00-24:00',
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    ...(opts.graphUrl ? { WHATSAPP_TOKEN: 'test-token', WHATSAPP_API_URL: opts.graphUrl } : {}),
    // a sample store brings its own profile and synonyms
    ...(typeof opts.demo === 'string' ? { STORE_DIR: sampleStoreDir(opts.demo) } : {}),
    ...opts.env,
  });
  const services = await buildServices(config, {
    clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    random: () => 1,
    redisPrefix: env.REDIS_PREFIX,
    ...opts.build,
  });
  if (opts.demo) {
    await loadDemoCatalogIfEmpty({ db: services.database.db, writes: services.catalogWrites, log: services.log, storeDir: config.storeDir });
    await services.vocabulary.refresh();
  }
  const app = createApp(services);
  return {
    services,
    app,
    clock,
    post: async (body, headers = {}) => {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      return app.request('/webhook', {
        method: 'POST',
        body: raw,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, APP_SECRET), ...headers },
      });
    },
    async drain() {
      for (;;) {
        const a = await services.inbox.pump.drain();
        const b = await services.sender.pump.drain();
        if (a === 0 && b === 0) return;
      }
    },
    async close() {
      await services.close();
    },
  };
}

let seq = 0;

/** A text-message webhook in the shape of inbound_text.json. */
export function textWebhook(opts: { from: string; body: string; wamid?: string; at?: Date; name?: string }) {
  return messagesWebhook(
    opts.from,
    [textMessage({ from: opts.from, id: opts.wamid ?? `wamid.test.${Date.now()}.${++seq}`, body: opts.body, at: opts.at })],
    opts.name,
  );
}

export function messagesWebhook(from: string, messages: Array<Record<string, unknown>>, name = 'Test Shopper') {
  return messagesEnvelope({ phoneNumberId: PHONE_NUMBER_ID, from, name, messages });
}

export function statusWebhook(statuses: Array<Record<string, unknown>>) {
  return statusesEnvelope({ phoneNumberId: PHONE_NUMBER_ID, statuses });
}

export { unixSeconds };
