import { Assistant } from '../../core/assistant.ts';
import { asLang } from '../../core/language.ts';
import { TurnContext, type TurnServices } from '../../handlers/context.ts';
import { runEchoTurn } from '../../handlers/echo.ts';
import { runTurn as defaultRunTurn } from '../../handlers/index.ts';
import { catalogReader } from '../catalog/catalog-reader.ts';
import * as recommendationRepo from '../catalog/recommendations.ts';
import { loadComplements } from '../catalog/recommendations.ts';
import * as cartRepo from '../orders/cart-repo.ts';
import * as orderRepo from '../orders/order-repo.ts';
import * as shopperRepo from '../shoppers/shopper-repo.ts';
import { InboxWorker } from '../inbox/inbox-worker.ts';
import { resolveFfmpeg } from '../media/ffmpeg.ts';
import { Media } from '../media/media.ts';
import { openAIChat } from '../model/openai-chat.ts';
import { say } from '../phrases.ts';
import * as wa from '../whatsapp/messages.ts';
import type { CatalogArea } from './catalog.ts';
import type { Commerce } from './commerce.ts';
import type { HandoffArea } from './handoff.ts';
import { type Messaging, yieldToIntake } from './messaging.ts';
import type { Platform } from './platform.ts';
import type { BuildOptions } from './build-options.ts';

/** The shopper's turns: the inbox worker that claims each message, the assistant that answers it, media it reads. */
export interface Turns {
  assistant: Assistant;
  media: Media;
  inbox: InboxWorker;
}

export function buildTurns(p: Platform, m: Messaging, h: HandoffArea, c: Commerce, cat: CatalogArea, opts: BuildOptions): Turns {
  const { config, database, clock, log, profile, openai } = p;
  const media = new Media({
    vocabulary: () => cat.vocabulary.current(),
    profile: () => profile.current(),
    client: m.client,
    ffmpeg: resolveFfmpeg({ ...process.env, FFMPEG_PATH: config.FFMPEG_PATH }),
    openai,
    transcribeModel: config.OPENAI_TRANSCRIBE_MODEL,
    visionModel: config.OPENAI_VISION_MODEL ?? config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    convertTimeoutMs: config.VOICE_CONVERT_TIMEOUT_MS,
    maxVoiceSeconds: config.VOICE_MAX_SECONDS,
    log,
  });
  const assistant = new Assistant({
    phrases: p.phrases,
    llm: openai ? { model: openAIChat(openai, config.OPENAI_MODEL), timeoutMs: config.OPENAI_TIMEOUT_MS, maxRounds: config.OPENAI_MAX_ROUNDS } : null,
    complements: loadComplements(`${config.storeDir}recommendations.yaml`),
    contextSize: config.CONTEXT_MESSAGES,
    log,
  });
  // what a turn reaches (core's CoreServices, plus the handlers' assistant and media)
  const turnServices: TurnServices = {
    config,
    db: database.db,
    catalog: catalogReader(database.db, { hasVariants: () => cat.vocabulary.current().facets.variants > 0 }),
    kv: p.kv,
    clock,
    assistant,
    media,
    handoff: h.handoff,
    vocabulary: cat.vocabulary,
    profile,
    orders: c.orders,
    orderNumbers: orderRepo,
    cart: cartRepo,
    records: shopperRepo,
    recommendations: recommendationRepo,
    ...(cat.embeddings ? { semantic: cat.embeddings } : {}),
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
    apology: (language) => wa.text(say(p.phrases, asLang(language, profile.current().defaultLanguage), 'apology')),
    client: m.client,
    log,
    metrics: p.metrics,
    defaultPhoneNumberId: m.phoneNumberId,
    concurrency: config.INBOX_CONCURRENCY,
    leaseMs: config.INBOX_LEASE_SECONDS * 1000,
    maxAttempts: config.INBOX_MAX_ATTEMPTS,
    debounceMs: config.TURN_DEBOUNCE_MS,
    observeTurn: opts.observeTurn,
    pollMs: config.WORKER_POLL_MS,
    yieldTo: yieldToIntake(p, m.intake),
    onReplies: () => m.sender.pump.notify(),
  });
  return { assistant, media, inbox };
}
