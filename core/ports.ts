/**
 * The assistant's ports: everything `core/` needs from the platform, and the only file in
 * `core/` that imports `src/`. The platform implements these (handlers' TurnContext is a
 * `Turn`; src/services/turns.ts builds the services a turn reaches); swapping a storage or
 * messaging adapter never touches the rest of core. Every port is a type: the catalog, the
 * cart, the shopper's records, orders, recommendations and the model are handed in as
 * services. Values re-exported here are pure: data formats (WhatsApp payloads, Meta's limits,
 * money, the payload codec), text primitives (words, fields) and pure helpers (variants,
 * working hours); no SQL, table, client or file crosses here.
 */
import type { Config } from '../src/config.ts';
import type { Clock } from '../src/clock.ts';
import type { Db, Tx } from '../src/db/database.ts';
import type { Handoff } from '../src/handoff/handoff.ts';
import type { Logger } from '../src/log.ts';
import type { Kv } from '../src/kv/kv.ts';
import type { Vocabulary } from './vocabulary.ts';
import type { Profile } from '../src/profile/store-profile.ts';
import type { OutboundMessage } from '../src/whatsapp/messages.ts';
import type { Orders } from '../src/orders/orders.ts';
import type { CheckoutState } from '../src/orders/cart-repo.ts';
import type * as CartRepo from '../src/orders/cart-repo.ts';
import type * as OrderRepo from '../src/orders/order-repo.ts';
import type * as ShopperRepo from '../src/shoppers/shopper-repo.ts';
import type * as RecommendationRepo from '../src/catalog/recommendations.ts';
import type { Preferences } from '../src/shoppers/shopper-repo.ts';

export type { Config, Clock, Db, Tx, Handoff, Logger, Kv, OutboundMessage, Profile };
export type { StoreInfo } from '../src/profile/store-profile.ts';
import type { Product } from '../src/catalog/catalog-repo.ts';
import type { SearchFilters, SearchResult } from '../src/catalog/catalog-search.ts';
import type { EventKind } from '../src/analytics/event-kinds.ts';
export type { EventKind };
export type { Product, SearchFilters, SearchResult };
export type { PhotoDescription } from '../src/media/media.ts';
export type { CartLine, CheckoutState } from '../src/orders/cart-repo.ts';
export type { OrderDraft, OrderLine } from '../src/orders/order-repo.ts';
export type { Family } from '../src/catalog/catalog-repo.ts';
export { MAX_FETCH, MAX_RESULTS } from '../src/catalog/catalog-search.ts';
export { pickVariant, variantLabel } from '../src/catalog/variants.ts';
export { FIELDS, type Facets, type Field } from '../src/catalog/fields.ts';
export type { CartWord, FollowUp, LexiconData } from '../src/catalog/lexicon.ts';
export { fold, key, keys, normalize, soundKey, toLatin, tokens } from '../src/catalog/words.ts';
export { formatPrice, fromMinor, toMinor } from '../src/catalog/money.ts';
export { LANGS, LOCALE, asLang, isLang, type Lang } from '../src/lang.ts';
export { say, type PhraseBook } from '../src/phrases.ts';
export type { Preferences } from '../src/shoppers/shopper-repo.ts';
export { workingHours } from '../src/handoff/working-hours.ts';
export { TemplateError } from '../src/errors.ts';
export { customerLabel } from '../src/handoff/handoff.ts';
export { kvKeys } from '../src/kv/kv.ts';
export { fit, LIMITS } from '../src/whatsapp/limits.ts';
export * as wa from '../src/whatsapp/messages.ts';
export type { ReplyButton } from '../src/whatsapp/messages.ts';
export { encodePayload, parsePayload, type AlertLevel, type Payload } from '../src/whatsapp/payloads.ts';

/** The services a turn reaches; built once at start-up. */
export interface CoreServices {
  config: Config;
  db: Db;
  kv: Kv;
  clock: Clock;
  handoff: Handoff;
  /** The store's profile (store.yaml), current at the turn's start. */
  profile: { current(): Profile };
  /** The catalog as a turn reads it: search, products by id, variants folded into families. */
  catalog: Catalog;
  /** The catalog's vocabulary: its values and the words that name them. */
  vocabulary: { current(): Vocabulary };
  /** Orders: placing one in the turn's transaction, its payment link and invoice message. */
  orders: Pick<Orders, 'place' | 'paymentUrl' | 'confirmationMessage'>;
  /** An order's number and invoice token, drawn before it is placed. */
  orderNumbers: OrderNumbers;
  /** The shopper's cart and checkout: read on the turn's connection, written in its transaction. */
  cart: CartStore;
  /** What the assistant records of a shopper beyond the turn's routine writes: views, price alerts. */
  records: ShopperRecords;
  /** Products for this shopper from their preferences, history and the store's complements. */
  recommendations: Recommendations;
  /** With a model: the products nearest in meaning to the shopper's words (src/catalog/embeddings.ts); absent offline. */
  semantic?: Semantic;
}

/**
 * The catalog's reads (src/catalog/catalog-reader.ts over the database). The assistant's
 * decisions — reading words, letting filters go, follow-ups — sit above it, so they are tested
 * over any catalog that keeps this contract.
 */
export interface Catalog {
  /**
   * Products matching every word group (each group: a word and its alternatives) and the
   * filters, by relevance; failing that, with typos corrected ('all', didYouMean set), then any
   * word ('any'). No words: the filters alone, in stock and cheapest first ('filters').
   * `languages` choose the text-search stemming; `limit` ≤ MAX_FETCH.
   */
  search(words: string[][], filters: SearchFilters, opts: { languages: string[]; limit: number }): Promise<SearchResult>;
  /** Products by id, in no particular order; unknown ids are skipped. */
  get(ids: string[], opts?: { activeOnly?: boolean }): Promise<Product[]>;
  /** Variants folded into one product per family (its `family` set), at most `limit` of them. */
  families(products: Product[], limit?: number): Promise<Product[]>;
}

/** Semantic search: null when the words could not be embedded (search stays lexical). */
export interface Semantic {
  nearest(text: string, k: number): Promise<Array<{ id: string; score: number }> | null>;
  /** Products at least this near (cosine) join the lexical results. */
  readonly minSimilarity: number;
}

/** The ports below are the shapes of src/'s repositories (type-only); src/services/turns.ts hands in the modules themselves. */
export type CartStore = Pick<typeof CartRepo, 'readCart' | 'setCartLines' | 'saveCheckout'>;
export type OrderNumbers = Pick<typeof OrderRepo, 'nextOrderNumber' | 'newInvoiceToken'>;
export type ShopperRecords = Pick<typeof ShopperRepo, 'recordView' | 'saveAlert'>;
export type Recommendations = Pick<typeof RecommendationRepo, 'recommend'>;

/** A write that must happen exactly once per message: it commits with the inbox row. */
export type Effect = (tx: Tx) => Promise<void>;

/** What the shopper sent, read once from the raw webhook message. */
/** A photo, voice note, video, document or sticker as WhatsApp describes it. */
export interface InboundMedia {
  id?: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  /** audio: a voice note rather than a file. */
  voice?: boolean;
  /** document: its file name. */
  filename?: string;
}

export interface InboundLocation {
  latitude?: number;
  longitude?: number;
  name?: string;
  address?: string;
}

/** A cart sent from the store's Meta catalog. */
export interface InboundOrder {
  catalog_id?: string;
  text?: string;
  product_items?: Array<{ product_retailer_id?: string; quantity?: number | string; item_price?: number | string; currency?: string }>;
}

interface InboundBase {
  wamid: string;
  /** Text body, caption or the title of a tapped reply. */
  text: string | null;
  /** id of a tapped list row or reply button, or a template quick-reply payload. */
  replyId: string | null;
}

/**
 * One inbound message, narrowed by `type` (handlers take theirs with `on`): what each kind
 * carries, read once from the stored webhook message. Kinds WhatsApp may add are `unsupported`,
 * with the type they came as.
 */
export type InboundView =
  | (InboundBase & { type: 'text' })
  | (InboundBase & { type: 'interactive' | 'button' })
  | (InboundBase & { type: 'image' | 'audio' | 'video' | 'document' | 'sticker'; media: InboundMedia })
  | (InboundBase & { type: 'location'; location: InboundLocation })
  | (InboundBase & { type: 'order'; order: InboundOrder })
  | (InboundBase & { type: 'reaction'; reaction: { message_id?: string; emoji?: string } })
  | (InboundBase & { type: 'unsupported'; original: string });

export type InboundKind = InboundView['type'];

/** The turn as core sees it: one inbound message, its shopper, reply and effect collectors. */
export interface Turn {
  readonly message: InboundView;
  /** Who wrote, with what Postgres records of them (read with the inbox claim). */
  readonly shopper: { key: string; name: string | null; language: string | null; preferences: Record<string, unknown> | null; checkout: CheckoutState | null };
  readonly services: CoreServices;
  readonly log: Logger;
  language: string;
  /** Registers a side effect, run in the transaction that marks the message done. */
  effect(fn: Effect): this;
  /** An analytics event, written with the message's finish (one statement for the turns finishing together). */
  event(kind: EventKind, data: Record<string, unknown>): this;
  /** The language the shopper writes in now (templates follow it); written with the message's finish. */
  rememberLanguage(language: string): this;
  /** The shopper's preferences as this turn leaves them (the last call wins); written with the message's finish. */
  rememberPreferences(prefs: Preferences, at: Date): this;
  /** Runs after the commit, best effort (cache refresh, conversation context). */
  afterCommit(fn: () => Promise<void>): this;
  /** A stable key for this message's n-th effect of a kind. */
  key(kind: string, n?: number | string): string;
  reply(message: OutboundMessage): this;
  replyText(body: string): this;
}

export type { ChatMessage, ChatModel, ChatToolCall } from '../src/model/chat.ts';
