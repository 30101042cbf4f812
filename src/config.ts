import { z } from 'zod';
import { existsSync } from 'node:fs';
import { ConfigError } from './errors.ts';
import { readYamlFile } from './yaml-file.ts';
import { LANGS } from './lang.ts';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const str = () => z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());
const int = (def: number, min = 0) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).default(def));

/** Every env var the service reads. Names are a contract (DESIGN.md). */
const schema = z
  .object({
    PORT: int(3000, 0),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
    DATABASE_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    REDIS_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    WHATSAPP_TOKEN: str(),
    WHATSAPP_PHONE_NUMBER_ID: str(),
    WHATSAPP_WABA_ID: str(),
    WHATSAPP_APP_SECRET: str(),
    WHATSAPP_VERIFY_TOKEN: str(),
    WHATSAPP_API_URL: z.preprocess(emptyToUndefined, z.string().url().default('https://graph.facebook.com')),
    WHATSAPP_API_VERSION: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^v\d+\.\d+$/, 'expected like v23.0')
        .default('v23.0'),
    ),
    WHATSAPP_MAX_MPS: int(80, 1),
    WHATSAPP_TIMEOUT_MS: int(10_000, 100),
    OPENAI_API_KEY: str(),
    OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().default('gpt-4o-mini')),
    OPENAI_TRANSCRIBE_MODEL: z.preprocess(emptyToUndefined, z.string().default('whisper-1')),
    OPENAI_VISION_MODEL: str(),
    /** With OPENAI_API_KEY, search is hybrid: product embeddings from this model, reduced to OPENAI_EMBEDDING_DIMENSIONS. `off`: lexical only. */
    OPENAI_EMBEDDING_MODEL: z.preprocess(emptyToUndefined, z.string().default('text-embedding-3-small')),
    OPENAI_EMBEDDING_DIMENSIONS: int(256, 8),
    /** A shopper's words are embedded within this, or searched lexically alone. */
    OPENAI_EMBEDDING_TIMEOUT_MS: int(1_500, 50),
    /** Products nearer than this (cosine) to the shopper's words join the lexical results. */
    EMBEDDING_MIN_SIMILARITY: z.preprocess(emptyToUndefined, z.coerce.number().min(-1).max(1).default(0.35)),
    FFMPEG_PATH: str(),
    /** Voice notes longer than this are refused politely. */
    VOICE_MAX_SECONDS: int(300, 1),
    VOICE_CONVERT_TIMEOUT_MS: int(20_000, 100),
    OPENAI_TIMEOUT_MS: int(20_000, 100),
    /** Model calls per turn (tool loop bound). */
    OPENAI_MAX_ROUNDS: int(4, 1),
    /** Messages of conversation context kept per shopper. */
    CONTEXT_MESSAGES: int(10, 2),
    /** Turns a shopper may start per minute before the polite pause. */
    FLOOD_LIMIT_PER_MINUTE: int(20, 1),
    /** `echo` answers every message with itself: wiring checks, crash test, intake benchmark. */
    BOT: z.preprocess(emptyToUndefined, z.enum(['assistant', 'echo']).default('assistant')),
    /** Overrides store.yaml's tone. */
    STORE_TONE: str(),
    ADMIN_TOKEN: str(),
    /** How long a manager's console sign-in lasts. */
    MANAGER_SESSION_HOURS: int(12, 1),
    /** When the analytics roll-up job runs (it rebuilds the last ANALYTICS_LATE_DAYS days). */
    ANALYTICS_CRON: z.preprocess(emptyToUndefined, z.string().default('*/5 * * * *')),
    /** Statuses and taps come late: each roll-up run rebuilds this many days before today too. */
    ANALYTICS_LATE_DAYS: int(7, 0),
    MANAGER_PHONES: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      z.array(z.string().regex(/^\+?\d{6,15}$/, 'expected comma-separated phone numbers')),
    ),
    /** Where the store's own files live: store.yaml (profile), synonyms.yaml, recommendations.yaml. */
    STORE_DIR: str(),
    /**
     * What a fresh start with an empty catalog loads: `on` the store folder's catalog.json (with
     * no STORE_DIR, the furniture demo's folder), `off` nothing (with no STORE_DIR, the files of a
     * store without its own: templates/), or the name of a sample store under templates/samples/
     * (its catalog, and its files when STORE_DIR is not set).
     */
    DEMO_CATALOG: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[a-z0-9-]+$/, 'on, off or a folder name under templates/samples/')
        .refine(
          (v) => v === 'on' || v === 'off' || existsSync(`${sampleStoreDir(v)}store.yaml`),
          'on, off or a sample store with a store.yaml under templates/samples/',
        )
        .default('on'),
    ),
    /** These four override store.yaml. */
    STORE_NAME: str(),
    CURRENCY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code')
        .optional(),
    ),
    DEFAULT_LANGUAGE: z.preprocess(emptyToUndefined, z.enum(LANGS).optional()),
    TZ: str(),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    INBOX_CONCURRENCY: int(16, 1),
    INBOX_LEASE_SECONDS: int(60, 1),
    INBOX_MAX_ATTEMPTS: int(5, 1),
    /** Texts a shopper sends within this gap of each other are answered as one turn. */
    TURN_DEBOUNCE_MS: int(1500, 0),
    OUTBOX_CONCURRENCY: int(16, 1),
    OUTBOX_MAX_ATTEMPTS: int(6, 1),
    /** Longer than a send timeout plus Meta's status latency: see callbackDataFor. */
    OUTBOX_LEASE_SECONDS: int(60, 1),
    WORKER_POLL_MS: int(500, 10),
    /** When the price-alerts job runs (node-cron syntax); checked at start-up. */
    PRICE_ALERT_CRON: z.preprocess(emptyToUndefined, z.string().default('0 * * * *')),
    /** Weekly new-arrivals suggestions (default Monday 11:00 in TZ). */
    NEW_ARRIVALS_CRON: z.preprocess(emptyToUndefined, z.string().default('0 11 * * 1')),
    /** `off`: no cron in this process (jobs still run on demand). */
    /** Not taken within this many minutes: managers reminded, shopper told. */
    ESCALATION_SLA_MINUTES: int(5, 1),
    /** When managers answer, in TZ (default Asia/Almaty), e.g. 09:00-20:00. */
    WORKING_HOURS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'expected HH:MM-HH:MM')
        .default('09:00-20:00'),
    ),
    ESCALATION_SLA_CRON: z.preprocess(emptyToUndefined, z.string().default('* * * * *')),
    /** Bitrix24 inbound webhook, e.g. https://company.bitrix24.kz/rest/1/abc123 — each escalation becomes a lead. */
    BITRIX24_WEBHOOK_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    CRON: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
    /** A Meta commerce catalog connected to the WABA: products go out as product / product_list messages, and `catalog sync-meta` fills it. */
    WHATSAPP_CATALOG_ID: str(),
    /** Payment or checkout link for an order, with {order}, {total} and {currency}; unset: pay on delivery. */
    CHECKOUT_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .url()
        .refine((u) => u.includes('{order}'), 'must contain {order}')
        .optional(),
    ),
    /** Where Meta can fetch this service's files (invoices): https://shop.example.com. Unset in the sandbox: links are relative. */
    PUBLIC_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    /** When the cart-reminder and Meta catalog sync jobs run. */
    ABANDONED_CART_CRON: z.preprocess(emptyToUndefined, z.string().default('*/15 * * * *')),
    /** A cart untouched this long gets its one reminder. */
    ABANDONED_CART_HOURS: int(4, 1),
    META_CATALOG_CRON: z.preprocess(emptyToUndefined, z.string().default('30 * * * *')),
    /** 1C's "обмен с сайтом" signs in with these (Basic auth); unset: /exchange/1c answers that it is not configured. */
    ONEC_USER: str(),
    /** At least 8 characters: the exchange is on the internet, and a short password is guessed between its lockouts. */
    ONEC_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8, 'at least 8 characters').optional()),
    /** `on` behind a reverse proxy: the client's address and scheme are read from X-Forwarded-For and X-Forwarded-Proto. */
    TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('off')),
    /** The most bytes 1C may send in one `mode=file` call (its `file_limit`); a larger file arrives in several calls. */
    ONEC_FILE_LIMIT: int(2 * 1024 * 1024, 1024),
    /** The most one exchange file may grow to, and the most an archive may unpack to, in MB. */
    ONEC_MAX_FILE_MB: int(1024, 1),
    /** How long `mode=import` waits for the import before answering `progress` (1C then calls again). */
    ONEC_IMPORT_WAIT_MS: int(20_000, 0),
    /** A catalog feed (YML, CommerceML or CSV) pulled on CATALOG_FEED_CRON, with a conditional GET. */
    CATALOG_FEED_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
    CATALOG_FEED_CRON: z.preprocess(emptyToUndefined, z.string().default('0 */6 * * *')),
    /** `same-host`: the feed's redirects are followed only on its own host; `any`: to any host. */
    CATALOG_FEED_REDIRECTS: z.preprocess(emptyToUndefined, z.enum(['same-host', 'any']).default('same-host')),
    /** A feed that would remove more than this share of the active catalog (a one-row export by mistake) is refused; 100 allows any. */
    CATALOG_FEED_MAX_REMOVAL_PERCENT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(100).default(50)),
    /** `off` runs an intake-only process (webhooks in, no turns or sends): scale intake and workers apart. */
    WORKERS: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
  })
  .superRefine((env, ctx) => {
    if (!env.ONEC_USER !== !env.ONEC_PASSWORD)
      ctx.addIssue({ code: 'custom', path: [env.ONEC_USER ? 'ONEC_PASSWORD' : 'ONEC_USER'], message: 'ONEC_USER and ONEC_PASSWORD are set together' });
    if (env.WHATSAPP_TOKEN) {
      for (const name of ['WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when WHATSAPP_TOKEN is set' });
      }
    }
  });

export type Config = z.infer<typeof schema> & {
  /** true when no WHATSAPP_TOKEN is set: outbound goes to the in-process sandbox. */
  sandbox: boolean;
  /** The folder of store.yaml, synonyms.yaml and recommendations.yaml (STORE_DIR, or the demo store's). */
  storeDir: string;
};

/**
 * The folder shipped with Vitrina: the lexicon, phrases and message templates every store
 * shares, and the profile of a store that has not written its own (store.yaml, computed from
 * its catalog). The sample stores, the demo among them, are in samples/.
 */
export const TEMPLATES_DIR = new URL('../templates/', import.meta.url).pathname;

/** The demo's folder: the sample store templates/demo.yaml names, which DEMO_CATALOG=on (the default) starts. */
export function demoStoreDir(): string {
  return sampleStoreDir(
    readYamlFile(`${TEMPLATES_DIR}demo.yaml`, z.strictObject({ store: z.string().regex(/^[a-z0-9-]+$/, 'a folder name under templates/samples/') })).store,
  );
}

/** A sample store's folder: templates/samples/NAME/. */
export function sampleStoreDir(name: string): string {
  return `${TEMPLATES_DIR}samples/${name}/`;
}

/** Parses the environment once; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`invalid configuration — ${problems.join('; ')}`, problems);
  }
  const d = parsed.data;
  // the demo's files live beside its catalog; with no demo, a store without its own folder has templates/store.yaml
  const storeDir = d.STORE_DIR ?? (d.DEMO_CATALOG === 'off' ? TEMPLATES_DIR : d.DEMO_CATALOG === 'on' ? demoStoreDir() : sampleStoreDir(d.DEMO_CATALOG));
  return { ...d, sandbox: !d.WHATSAPP_TOKEN, storeDir: storeDir.endsWith('/') ? storeDir : `${storeDir}/` };
}
