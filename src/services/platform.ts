import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import { systemClock, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { MemoryKv } from '../kv/memory-kv.ts';
import { RedisKv } from '../kv/redis-kv.ts';
import type { Kv } from '../kv/kv.ts';
import { createLogger, type Logger } from '../log.ts';
import { TemplateRegistry } from '../meta-templates/registry.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createOpenAI } from '../model/openai-chat.ts';
import { loadPhrases, type PhraseBook } from '../phrases.ts';
import { searchConfigs, useSearchConfigs } from '../catalog/catalog-repo.ts';
import { StoreProfile } from '../profile/store-profile.ts';
import { queueDepth } from '../worker/queue-depth.ts';
import type { BuildOptions } from './build-options.ts';

/** What every area stands on: configuration, logs, time, storage, the store's own files, the model client. */
export interface Platform {
  config: Config;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  database: Database;
  kv: Kv;
  profile: StoreProfile;
  /** Meta's approved templates (templates/message_templates.yaml), watched. */
  templates: TemplateRegistry;
  /** The assistant's words in every language (phrases.yaml). */
  phrases: PhraseBook;
  /** ADMIN_TOKEN, or a random one per process (the CLI reads it from DATA_DIR). */
  adminToken: string;
  /** The model's client with its calls and tokens counted; null offline. */
  openai: OpenAI | null;
}

export async function buildPlatform(config: Config, opts: BuildOptions): Promise<Platform> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = createMetrics({ defaults: !opts.log });
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log });
  metrics.watchQueues(
    () => queueDepth(database.db, clock.now()),
    (err) => log.warn({ err: String(err) }, 'queue depth not read for /metrics'),
  );
  const kv: Kv = config.REDIS_URL ? new RedisKv({ url: config.REDIS_URL, prefix: opts.redisPrefix }) : new MemoryKv({ now: () => clock.now().getTime() });
  const profile = new StoreProfile({ file: `${config.storeDir}store.yaml`, env: config, log });
  if (await useSearchConfigs(database.db, searchConfigs(profile.current().languages)))
    log.info({ languages: profile.current().languages }, 'search configurations set from the store languages');
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
  return {
    config,
    log,
    clock,
    metrics,
    database,
    kv,
    profile,
    templates: new TemplateRegistry({ log }),
    phrases: loadPhrases(),
    adminToken: config.ADMIN_TOKEN ?? randomBytes(24).toString('hex'),
    openai,
  };
}
