import { randomBytes } from 'node:crypto';
import { Assistant } from '../core/assistant.ts';
import { asLang } from '../core/language.ts';
import { createOpenAI, openAIChat } from './model/openai-chat.ts';
import { loadPhrases } from './phrases.ts';
import { loadComplements } from './catalog/recommendations.ts';
import { runEchoTurn } from '../handlers/echo.ts';
import { runTurn as defaultRunTurn } from '../handlers/index.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { say } from './phrases.ts';
import { TurnContext, type TurnServices } from '../handlers/context.ts';
import { catalogReader } from './catalog/catalog-reader.ts';
import { openDatabase, type Database } from './db/database.ts';
import { InboxWorker } from './inbox/inbox-worker.ts';
import { queueDepth } from './worker/queue-depth.ts';
import { resolveFfmpeg } from './media/ffmpeg.ts';
import { Media } from './media/media.ts';
import { ProductEmbeddings } from './catalog/embeddings.ts';
import { Vocabularies } from './catalog/facets.ts';
import { StoreProfile } from './profile/store-profile.ts';
import { searchConfigs, useSearchConfigs } from './catalog/catalog-repo.ts';
import { EscalationEvents } from './handoff/events.ts';
import { Handoff } from './handoff/handoff.ts';
import { Orders } from './orders/orders.ts';
import { OneCExchange } from './exchange/onec-exchange.ts';
import { FolderFiles, TableFiles, type ExchangeFiles } from './exchange/exchange-files.ts';
import { runPriceAlerts } from './jobs/price-alerts.ts';
import { CatalogWrites } from './catalog/catalog-writes.ts';
import { Analytics } from './analytics/analytics.ts';
import { loadRateCard } from './analytics/rate-card.ts';
import { sourceReading, type SourceReading } from './catalog/source-reading.ts';
import { Bitrix24Client } from '../integrations/bitrix24/client.ts';
import { TemplateRegistry } from './meta-templates/registry.ts';
import { Health } from './health.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { RateLimiter } from './outbox/rate-limiter.ts';
import { Sender } from './outbox/sender.ts';
import { SandboxGraph } from './sandbox/sandbox-graph.ts';
import { MemoryKv } from './kv/memory-kv.ts';
import { RedisKv } from './kv/redis-kv.ts';
import { kvKeys, type Kv } from './kv/kv.ts';
import { Intake } from './webhook/intake.ts';
import { WhatsAppClient } from './whatsapp/client.ts';
import * as wa from './whatsapp/messages.ts';
import { Attempts, LOCKOUT_MS, WRONG_PASSWORDS } from './kv/attempts.ts';

export interface Services {
  config: Config;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  assistant: Assistant;
  media: Media;
  templates: TemplateRegistry;
  profile: StoreProfile;
  vocabulary: Vocabularies;
  /** With a model: product embeddings and their index (hybrid search); null offline. */
  embeddings: ProductEmbeddings | null;
  handoff: Handoff;
  orders: Orders;
  /** The store's numbers: the roll-up job and the report (page, API, CLI). */
  analytics: Analytics;
  /** 1C's exchange, when ONEC_USER and ONEC_PASSWORD are set. */
  exchange: OneCExchange | null;
  /** Where exchange files (1C's uploads, feed downloads) are kept while they are imported. */
  exchangeFiles: ExchangeFiles;
  /** How the store's own system (1C, a feed) is read: the lexicon's field names and currencies, store.yaml's choices. */
  catalogReading: () => SourceReading;
  /** The only way products are written (admin API, CLI, feed, 1C, demo): then counted, the vocabulary refreshed, price alerts run. */
  catalogWrites: CatalogWrites;
  database: Database;
  kv: Kv;
  client: WhatsAppClient;
  /** Present in sandbox mode (no WHATSAPP_TOKEN). */
  sandbox: SandboxGraph | null;
  /** The app secret webhooks are signed with; random per process in sandbox mode. */
  appSecret: string;
  /** ADMIN_TOKEN, or a random one per process (the CLI reads it from DATA_DIR). */
  adminToken: string;
  phoneNumberId: string;
  intake: Intake;
  inbox: InboxWorker;
  sender: Sender;
  health: Health;
  /** Stops the workers (finishing or releasing claimed work within `graceMs`) and closes connections. */
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
  log?: Logger;
  runTurn?: (ctx: TurnContext) => Promise<void>;
  /** Tests: backoff jitter source. */
  random?: () => number;
  backoffBaseMs?: number;
  observeTurn?: (ms: number) => void;
  /** Tests: isolates Redis keys per test database. */
  redisPrefix?: string;
}

/** Builds every service once, in dependency order; nothing is created lazily or globally. */
export async function buildServices(config: Config, opts: BuildOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = createMetrics({ defaults: !opts.log });
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log });
  metrics.watchQueues(
    () => queueDepth(database.db, clock.now()),
    (err) => log.warn({ err: String(err) }, 'queue depth not read for /metrics'),
  );
  const kv: Kv = config.REDIS_URL ? new RedisKv({ url: config.REDIS_URL, prefix: opts.redisPrefix }) : new MemoryKv({ now: () => clock.now().getTime() });
  const phoneNumberId = config.WHATSAPP_PHONE_NUMBER_ID ?? 'sandbox';
  const templates = new TemplateRegistry({ log });
  const sandbox = config.sandbox ? new SandboxGraph({ clock, phoneNumberId, log, templates: () => templates.current() }) : null;
  const client = new WhatsAppClient({
    baseUrl: sandbox ? 'http://sandbox' : config.WHATSAPP_API_URL,
    version: config.WHATSAPP_API_VERSION,
    token: config.WHATSAPP_TOKEN ?? 'sandbox',
    timeoutMs: config.WHATSAPP_TIMEOUT_MS,
    fetch: sandbox?.fetch,
  });
  const appSecret = config.WHATSAPP_APP_SECRET ?? randomBytes(32).toString('hex');
  const adminToken = config.ADMIN_TOKEN ?? randomBytes(24).toString('hex');

  // Built before the workers so they can yield to it; wired to wake the inbox pump below.
  let wakeInbox = () => {};
  const intake = new Intake({ db: database.db, clock, log, onMessages: () => wakeInbox(), urgent: database.urgent });
  const yieldTo = database.kind === 'pglite' ? () => intake.busy : undefined;

  const sender = new Sender({
    db: database.db,
    client,
    limiter: new RateLimiter({ kv, clock, mps: config.WHATSAPP_MAX_MPS, log }),
    clock,
    log,
    metrics,
    defaultPhoneNumberId: phoneNumberId,
    concurrency: config.OUTBOX_CONCURRENCY,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    templateCategory: (name) => [...templates.current().values()].find((t) => t.name === name)?.category ?? null,
    checkApproval: !config.sandbox,
    pollMs: config.WORKER_POLL_MS,
    yieldTo,
    leaseMs: config.OUTBOX_LEASE_SECONDS * 1000,
    random: opts.random,
    backoffBaseMs: opts.backoffBaseMs,
  });
  const openai = config.OPENAI_API_KEY
    ? createOpenAI({
        apiKey: config.OPENAI_API_KEY,
        baseURL: config.OPENAI_BASE_URL,
        timeoutMs: config.OPENAI_TIMEOUT_MS,
        observe: {
          call: (endpoint, outcome, seconds) => {
            metrics.modelCalls.inc({ endpoint, outcome });
            metrics.modelLatency.observe({ endpoint }, seconds);
          },
          tokens: (endpoint, prompt, completion) => {
            metrics.modelTokens.inc({ endpoint, kind: 'prompt' }, prompt);
            metrics.modelTokens.inc({ endpoint, kind: 'completion' }, completion);
          },
        },
      })
    : null;
  const ffmpeg = resolveFfmpeg({ ...process.env, FFMPEG_PATH: config.FFMPEG_PATH });
  const profile = new StoreProfile({ file: `${config.storeDir}store.yaml`, env: config, log });
  if (await useSearchConfigs(database.db, searchConfigs(profile.current().languages)))
    log.info({ languages: profile.current().languages }, 'search configurations set from the store languages');
  const vocabulary = new Vocabularies({ db: database.db, log, synonymsFile: `${config.storeDir}synonyms.yaml` });
  await vocabulary.refresh();
  // with a model, search is hybrid: embeddings computed in the background, lexical until they are
  const embeddings =
    openai && config.OPENAI_EMBEDDING_MODEL !== 'off'
      ? new ProductEmbeddings({
          db: database.db,
          openai,
          model: config.OPENAI_EMBEDDING_MODEL,
          dimensions: config.OPENAI_EMBEDDING_DIMENSIONS,
          queryTimeoutMs: config.OPENAI_EMBEDDING_TIMEOUT_MS,
          minSimilarity: config.EMBEDDING_MIN_SIMILARITY,
          log,
        })
      : null;
  embeddings?.refreshLater();
  const media = new Media({
    vocabulary: () => vocabulary.current(),
    profile: () => profile.current(),
    client,
    ffmpeg,
    openai,
    transcribeModel: config.OPENAI_TRANSCRIBE_MODEL,
    visionModel: config.OPENAI_VISION_MODEL ?? config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    convertTimeoutMs: config.VOICE_CONVERT_TIMEOUT_MS,
    maxVoiceSeconds: config.VOICE_MAX_SECONDS,
    log,
  });
  const phrases = loadPhrases();
  const crm = config.BITRIX24_WEBHOOK_URL ? new Bitrix24Client({ webhookUrl: config.BITRIX24_WEBHOOK_URL }) : null;
  const handoff = new Handoff({
    phrases,
    profile: () => profile.current(),
    db: database.db,
    clock,
    log,
    templates,
    events: new EscalationEvents(),
    managerPhones: config.MANAGER_PHONES,
    slaMinutes: config.ESCALATION_SLA_MINUTES,
    workingHours: config.WORKING_HOURS,
    crm,
  });
  await handoff.ensureManagers();
  if (!config.sandbox && !config.PUBLIC_URL) log.warn('PUBLIC_URL is not set: invoice links are relative, and Meta cannot fetch them');
  const orders = new Orders({
    db: database.db,
    clock,
    log,
    templates,
    phrases,
    profile: () => profile.current(),
    managers: handoff.managers,
    crm,
    checkoutUrl: config.CHECKOUT_URL,
    publicUrl: config.PUBLIC_URL ?? null,
    queued: () => sender.pump.notify(),
    changed: () => handoff.events.changed(null),
  });
  const assistant = new Assistant({
    phrases,
    llm: openai
      ? {
          model: openAIChat(openai, config.OPENAI_MODEL),
          timeoutMs: config.OPENAI_TIMEOUT_MS,
          maxRounds: config.OPENAI_MAX_ROUNDS,
        }
      : null,
    complements: loadComplements(`${config.storeDir}recommendations.yaml`),
    contextSize: config.CONTEXT_MESSAGES,
    log,
  });
  const turnServices: TurnServices = {
    config,
    db: database.db,
    catalog: catalogReader(database.db),
    kv,
    clock,
    assistant,
    media,
    handoff,
    vocabulary,
    profile,
    orders,
    ...(embeddings ? { semantic: embeddings } : {}),
  };
  const handle = opts.runTurn ?? (config.BOT === 'echo' ? runEchoTurn : defaultRunTurn);
  const inbox = new InboxWorker({
    db: database.db,
    clock,
    runTurn: async (row, shopper, turnLog) => {
      const ctx = new TurnContext(row, shopper, turnServices, turnLog);
      await handle(ctx);
      return ctx;
    },
    apology: (language) => wa.text(say(assistant.phrases, asLang(language, profile.current().defaultLanguage), 'apology')),
    client,
    log,
    metrics,
    defaultPhoneNumberId: phoneNumberId,
    concurrency: config.INBOX_CONCURRENCY,
    leaseMs: config.INBOX_LEASE_SECONDS * 1000,
    maxAttempts: config.INBOX_MAX_ATTEMPTS,
    debounceMs: config.TURN_DEBOUNCE_MS,
    observeTurn: opts.observeTurn,
    pollMs: config.WORKER_POLL_MS,
    yieldTo,
    onReplies: () => sender.pump.notify(),
  });
  wakeInbox = () => inbox.pump.notify();

  // Postgres: any process may take 1C's next call; PGlite: one process, and a folder is far faster for large files
  const exchangeFiles: ExchangeFiles =
    database.kind === 'postgres'
      ? new TableFiles(database.db)
      : new FolderFiles(config.DATA_DIR.startsWith('memory://') ? null : `${config.DATA_DIR}/exchange`);
  const analytics = new Analytics({
    db: database.db,
    clock,
    profile: () => profile.current(),
    managers: handoff.managers,
    rateCard: loadRateCard(),
    lateDays: config.ANALYTICS_LATE_DAYS,
  });
  const catalogReading = () => sourceReading(vocabulary.lexicon, profile.current().catalogSource, profile.current().currency);
  const catalogWrites = new CatalogWrites({
    db: database.db,
    files: exchangeFiles,
    clock,
    log,
    reading: catalogReading,
    publicUrl: config.PUBLIC_URL ?? null,
    maxBytes: config.ONEC_MAX_FILE_MB * 1024 * 1024,
    // prices and stock from any source fire price-drop and back-in-stock alerts at once, not at the next cron tick
    changed: async (source, counts) => {
      for (const [count, n] of Object.entries(counts)) if (n) metrics.catalogImportItems.inc({ source, count }, n);
      if (counts.inserted || counts.updated || counts.deactivated || counts.deleted) {
        await vocabulary.refresh();
        embeddings?.refreshLater();
      }
      if (!counts.priceChanges && !counts.stockChanges && !counts.updated) return;
      const fired = await runPriceAlerts({
        db: database.db,
        now: clock.now(),
        templates: templates.current(),
        defaultLanguage: profile.current().defaultLanguage,
      });
      if (fired.enqueued || fired.backInStock) sender.pump.notify();
    },
  });
  const exchange =
    config.ONEC_USER && config.ONEC_PASSWORD
      ? new OneCExchange({
          db: database.db,
          files: exchangeFiles,
          clock,
          log,
          metrics,
          profile: () => profile.current(),
          orders,
          user: config.ONEC_USER,
          password: config.ONEC_PASSWORD,
          attempts: new Attempts(kv, { prefix: kvKeys.onecAuthAttempts, limit: WRONG_PASSWORDS, windowMs: LOCKOUT_MS }),
          fileLimit: config.ONEC_FILE_LIMIT,
          maxFileBytes: config.ONEC_MAX_FILE_MB * 1024 * 1024,
          waitMs: config.ONEC_IMPORT_WAIT_MS,
          writes: catalogWrites,
        })
      : null;

  const health = new Health({ database, kv, templates, media, sandbox });

  return {
    config,
    log,
    clock,
    metrics,
    assistant,
    media,
    templates,
    profile,
    vocabulary,
    embeddings,
    handoff,
    orders,
    exchange,
    exchangeFiles,
    catalogReading,
    catalogWrites,
    analytics,
    database,
    kv,
    client,
    sandbox,
    appSecret,
    adminToken,
    phoneNumberId,
    intake,
    inbox,
    sender,
    health,
    async close(opts = {}) {
      health.draining = true;
      templates.close();
      profile.close();
      vocabulary.close();
      embeddings?.close();
      const graceMs = opts.graceMs;
      // The sender keeps going while turns finish, so their replies can still leave now.
      if (graceMs === undefined) await inbox.pump.stop();
      else await inbox.stop({ graceMs: graceMs * 0.6 });
      // A send still in flight after its share keeps its lease; its status webhook or the
      // lease settles it later, so nothing is sent twice.
      await sender.pump.stop(graceMs === undefined ? {} : { graceMs: graceMs * 0.3 });
      await kv.close();
      await database.close();
    },
  };
}
