import { extract } from './extract.ts';
import type { Lang } from './language.ts';
import { fuseSemantic } from './hybrid-search.ts';
import { sizeAttribute } from './size-attribute.ts';
import { describePreferences, mergePreferences, type ContextEntry, type Preferences } from './memory.ts';
import { say, type PhraseBook } from './ports.ts';
import type { EventKind, ReplyButton } from './ports.ts';
import {
  FIELDS,
  customerLabel,
  formatPrice,
  MAX_FETCH,
  MAX_RESULTS,
  pickVariant,
  toMinor,
  type Field,
  type FollowUp,
  type OutboundMessage,
  type Product,
  type Profile,
  type SearchFilters,
  type Catalog,
  type Turn,
} from './ports.ts';
import type { Vocabulary } from './vocabulary.ts';

export interface AssistantDeps {
  phrases: PhraseBook;
  complements?: Record<string, string[]>;
  /** With a model: writes the hand-off summary for managers; without, a plain digest is used. */
  summarize?: (digest: string) => Promise<string>;
  /** The store's profile as the catalog bears it out (profile-fit.ts); the profile as written when absent. */
  profile?: Profile;
}

/** What a search asked for and what it gave up to find something, for the answer's words. */
export interface SearchOutcome {
  products: Product[];
  didYouMean: string | null;
  match: 'all' | 'any' | 'filters' | 'none';
  /** The shopper's words for each filter used: "(grey, sofa, ≤ $300)". */
  labels: string[];
  /** What was let go, in order, with the shopper's words for it ("black", "under $100"). */
  relaxed: Array<{ what: 'color' | 'style' | 'material' | 'brand' | 'words' | 'budget' | 'category'; said: string }>;
  /**
   * Nothing found for words that name the thing itself (no category or brand of this store
   * stood for it): the words, and the store's largest categories to say what it does sell.
   */
  notSold?: { words: string; categories: string[] };
}

/** How many of the store's categories an answer about a thing it does not sell names. */
const SELLS_NAMED = 6;

export type SearchArgs = {
  query?: string;
  category?: string;
  brand?: string;
  color?: string;
  style?: string;
  min_price?: number;
  max_price?: number;
  in_stock?: boolean;
};

/**
 * The order filters are let go when nothing matches: words the catalog may not use first ("for
 * kindergarten"), then a category read from one word of its name ("Merrell shoes": the shoes
 * may be boots), then style, material, colour, brand, budget. A category the shopper named
 * stays, and with nothing left to keep, nothing is shown: no random products for "do you sell
 * kayaks?".
 */
const RELAX_ORDER = ['words', 'weak', 'style', 'material', 'color', 'brand', 'budget'] as const;

/**
 * The state of one turn and the actions both assistants take through it. Every action is for
 * `ctx.shopper`, whatever a model's arguments say; writes are effects committed with the
 * message, keyed by its wamid.
 */
export class AssistantTurn {
  shown: Product[] = [];
  /** Quick replies and messages a tool decided on (the cart's buttons, the payment link), shown after the model's words. */
  buttons: ReplyButton[] | undefined;
  after: OutboundMessage[] = [];
  escalated = false;
  didYouMean: string | null = null;

  /** The catalog's words and the store's profile as they were when the turn began. */
  readonly vocabulary: Vocabulary;
  readonly profile: Profile;

  constructor(
    readonly ctx: Turn,
    readonly deps: AssistantDeps,
    readonly lang: Lang,
    public prefs: Preferences,
    readonly history: ContextEntry[],
  ) {
    this.vocabulary = ctx.services.vocabulary.current();
    this.profile = deps.profile ?? ctx.services.profile.current();
  }

  get db() {
    return this.ctx.services.db;
  }
  get catalog(): Catalog {
    return this.ctx.services.catalog;
  }
  /** The catalog's currency (what most products are priced in), else the store's: budgets and their labels are read in it. */
  get currency(): string {
    return this.vocabulary.facets.currency ?? this.profile.currency;
  }
  get shopper() {
    return this.ctx.shopper.key;
  }
  private now() {
    return this.ctx.services.clock.now();
  }
  private event(kind: EventKind, data: Record<string, unknown>) {
    this.ctx.event(kind, data);
  }

  /**
   * Searches with the shopper's words and the model's arguments, both read through the
   * vocabulary onto the catalog's own values. When nothing matches, filters are let go in
   * RELAX_ORDER and the outcome says which; a category the shopper named, and has products,
   * never answers "nothing found". `base` carries a follow-up's own bounds, which stay.
   */
  async search(args: SearchArgs, base: SearchFilters = {}): Promise<SearchOutcome> {
    const v = this.vocabulary;
    const r = extract(args.query ?? '', v);
    const filters: SearchFilters = { ...base, inStock: args.in_stock ?? base.inStock ?? false };
    const said: Partial<Record<Field, string>> = {};
    const missing: SearchOutcome['relaxed'] = [];
    const words = [...r.rest];
    for (const field of FIELDS) {
      const arg = (args as Record<string, unknown>)[field];
      if (typeof arg === 'string' && arg.trim()) {
        const values = v.map(field, arg);
        if (values.length) {
          filters[field] = values;
          said[field] = arg.toLowerCase();
        } else if (field === 'color' || field === 'material' || field === 'style') missing.push({ what: field, said: arg.toLowerCase() });
        else words.push(...v.read(arg).rest);
      } else if (r.filters[field]) {
        filters[field] = r.filters[field];
        said[field] = r.said[field]!;
      }
    }
    for (const [field, word] of Object.entries(r.missing))
      if (!filters[field as Field] && !missing.some((m) => m.what === field)) missing.push({ what: field as 'color' | 'material', said: word });
    const max = args.max_price ?? r.budgetMax ?? this.prefs.budgetMax ?? null;
    const min = args.min_price ?? r.budgetMin ?? null;
    const cur = this.currency;
    // a follow-up's own bound ("cheaper than these") holds whatever the words add
    if (max != null) filters.maxPrice = Math.min(toMinor(max, cur), base.maxPrice ?? Infinity);
    if (min != null) filters.minPrice = Math.max(toMinor(min, cur), base.minPrice ?? 0);
    // variants of one product come as one row: read enough rows to fill a page of products
    const opts = { languages: this.profile.languages, limit: MAX_FETCH };

    // the shopper's narrower words for the category («торшер» in Освещение) rank when products
    // have them all, in every search the relaxation makes
    const find = async (ws: string[][], f: SearchFilters) => {
      const narrow = r.soft.length && f.category?.length ? await this.catalog.search([...ws, ...r.soft], f, opts) : null;
      return narrow?.match === 'all' && narrow.products.length ? narrow : this.catalog.search(ws, f, opts);
    };
    let result = await find(words, filters);
    // with a model, words left after the filters also search by meaning: the nearest products
    // that pass the same filters join the lexical ones
    if (words.length && this.ctx.services.semantic)
      result = await fuseSemantic(this.catalog, this.ctx.services.semantic, args.query ?? '', result, filters, opts, (counts) =>
        this.event('semantic', counts),
      );
    const relaxed = [...missing];
    let f = { ...filters };
    let ws = words;
    for (const step of RELAX_ORDER) {
      if (result.products.length) break;
      if (step === 'words') {
        // The words go only when a category or brand of this store stands for the thing asked
        // ("диван для детского сада": the sofas stay). Otherwise the words are the thing: a
        // budget or a colour kept without them would show cheap or red products nobody asked for.
        // Without a category, words that name the thing itself («шорты» where no category is
        // called so) stay: «Nike шорты» never shows Nike's shoes; the brand goes before them.
        // With one, the category is the thing («стеллаж для книг»).
        const keeps = f.category?.length || f.brand?.length || base.category?.length || base.excludeIds?.length;
        const loose = f.category?.length ? ws : ws.filter((g) => !r.things.includes(g));
        if (!loose.length || !keeps) continue;
        relaxed.push({ what: 'words', said: loose.map((a) => a[0]).join(' ') });
        ws = ws.filter((g) => !loose.includes(g));
      } else if (step === 'weak') {
        if (!f.category || !r.weak.has('category') || args.category || base.category) continue;
        relaxed.push({ what: 'category', said: said.category ?? f.category[0]! });
        f = { ...f, category: null };
      } else if (step === 'budget') {
        if (f.maxPrice == null && f.minPrice == null) continue;
        // a follow-up's own bound ("cheaper than these") is not the shopper's budget to let go
        if ((f.maxPrice ?? null) === (base.maxPrice ?? null) && (f.minPrice ?? null) === (base.minPrice ?? null)) continue;
        relaxed.push({ what: 'budget', said: this.budgetLabel(f, base) });
        f = { ...f, maxPrice: base.maxPrice ?? null, minPrice: base.minPrice ?? null };
      } else {
        if (!f[step]) continue;
        relaxed.push({ what: step, said: said[step] ?? f[step]![0]! });
        f = { ...f, [step]: null };
      }
      result = await find(ws, f);
    }
    result = { ...result, products: await this.catalog.families(result.products, MAX_RESULTS) };
    const kept = (field: Field) => (f[field] ? said[field] : undefined);
    const labels = [
      kept('color'),
      kept('brand'),
      kept('category'),
      kept('style'),
      kept('material'),
      f.maxPrice != null || f.minPrice != null ? this.budgetLabel(f, base) : undefined,
    ].filter((x): x is string => !!x);
    this.shown = result.products;
    this.event('search', { query: args.query ?? '', filters: f, found: result.products.length, match: result.match, relaxed: relaxed.map((x) => x.what) });
    const didYouMean = result.didYouMean ?? (r.corrected.length ? r.corrected.map((c) => c.value).join(', ') : null);
    this.didYouMean = didYouMean;
    const notSold =
      !result.products.length && ws.length && !f.category?.length && !f.brand?.length
        ? { words: ws.map((a) => a[0]).join(' '), categories: v.values('category').slice(0, SELLS_NAMED) }
        : undefined;
    return { ...result, didYouMean, labels, relaxed: result.products.length ? relaxed : [], ...(notSold ? { notSold } : {}) };
  }

  /**
   * The budget as the shopper would say it: «до 50 000 ₸», «от 10 000 ₸», and a follow-up's own
   * bound by the price it is measured from («дешевле 126 990 ₸», not «≤ 126 989,99 ₸»).
   */
  private budgetLabel(f: SearchFilters, base: SearchFilters): string {
    const cur = this.currency;
    const price = (m: number) => formatPrice(m, cur, this.lang);
    const says = (key: string, vars: Record<string, string>) => say(this.deps.phrases, this.lang, key, vars);
    const max =
      f.maxPrice == null
        ? ''
        : f.maxPrice === base.maxPrice
          ? says('budget_below', { price: price(f.maxPrice + 1) })
          : says('budget_upto', { price: price(f.maxPrice) });
    const min =
      f.minPrice == null
        ? ''
        : f.minPrice === base.minPrice
          ? says('budget_above', { price: price(f.minPrice - 1) })
          : says('budget_from', { price: price(f.minPrice) });
    return [min, max].filter(Boolean).join(' ');
  }

  /**
   * A follow-up on the products last shown ("cheaper?", "in black?", "bigger?", "other ones"):
   * their category, with the change the words ask for; the shown products are left out unless
   * the words name a filter of their own ("in black?" may mean one of them). null when nothing
   * was shown yet.
   */
  async followUp(text: string, asks: Set<FollowUp>, args: SearchArgs = {}): Promise<SearchOutcome | null> {
    const ids = this.recentlyShown();
    if (!ids.length) return null;
    const shown = await this.catalog.get(ids);
    if (!shown.length) return null;
    const categories = [...new Set(shown.map((p) => p.category).filter(Boolean))];
    // "other ones" leaves the shown products out; "in black?" may well mean one of them
    const ownFilters = Object.keys(extract(text, this.vocabulary).filters).length > 0 || !!args.color || !!args.brand || !!args.style;
    const base: SearchFilters = { category: categories.length ? categories : null, excludeIds: ownFilters ? [] : shown.map((p) => p.id) };
    const prices = shown.map((p) => p.price);
    if (asks.has('cheaper')) base.maxPrice = Math.min(...prices) - 1;
    if (asks.has('pricier')) base.minPrice = Math.max(...prices) + 1;
    if (asks.has('bigger') || asks.has('smaller')) {
      const size = sizeAttribute(shown, this.vocabulary.sizeKeys());
      if (size) base.attribute = asks.has('bigger') ? { key: size.key, above: size.max } : { key: size.key, below: size.min };
    }
    return this.search({ ...args, query: text, category: undefined }, base);
  }

  /** The cheapest product of the last answer that showed products, opened as a card. */
  async cheapestShown(): Promise<Product | null> {
    const shown = await this.catalog.get(this.recentlyShown(), { activeOnly: true });
    const cheapest = shown.sort((a, b) => a.price - b.price)[0];
    return cheapest ? this.product(cheapest.id) : null;
  }

  /** Ids shown by the last answer that showed products. */
  recentlyShown(): string[] {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const shown = this.history[i]!.shown;
      if (shown?.length) return shown.map((p) => p.id);
    }
    return [];
  }

  /** Suggestions from the shopper's preferences and history; with `product_id`, products like that one (similar()). */
  async recommendations(args: { product_id?: string } = {}) {
    const anchor = args.product_id ? ((await this.catalog.get([args.product_id]))[0] ?? null) : null;
    const products = anchor
      ? await this.similar(anchor)
      : await this.catalog.families(
          await this.ctx.services.recommendations.recommend(this.db, {
            shopper: this.shopper,
            prefs: this.prefs,
            complements: this.deps.complements,
            currency: this.currency,
          }),
        );
    this.shown = products;
    this.event('recommendations', { anchor: anchor?.id ?? null, shown: products.map((p) => p.id) });
    return products;
  }

  /**
   * "More like this" after a card: searched like the card — its category, those sharing the most
   * words of its name first, then the rest of its category nearest its price. Never the card
   * itself or its variants; in stock only.
   */
  async similar(anchor: Product): Promise<Product[]> {
    const own = [anchor.id, ...(anchor.family?.variants.map((v) => v.id) ?? []), ...(anchor.parentId ? [anchor.parentId] : [])];
    const base: SearchFilters = { category: anchor.category ? [anchor.category] : null, excludeIds: own, inStock: true };
    const opts = { languages: this.profile.languages, limit: MAX_FETCH };
    const words = [...new Set(anchor.name.toLowerCase().split(/[^\p{L}\p{N}]+/u))]
      .filter((w) => w.length >= 3 && !/^\d+$/.test(w))
      .slice(0, 8)
      .map((w) => [w]);
    const alike = words.length > 1 ? (await this.catalog.search(words, base, opts)).products : [];
    const near = (p: Product) => Math.abs(p.price - anchor.price);
    const rest = alike.length >= MAX_RESULTS ? [] : (await this.catalog.search([], base, opts)).products.sort((a, b) => near(a) - near(b));
    const seen = new Set<string>();
    const products = [...alike, ...rest].filter((p) => !seen.has(p.id) && !!seen.add(p.id));
    return this.catalog.families(products, MAX_RESULTS);
  }

  async product(id: string): Promise<Product | null> {
    const p = (await this.catalog.families(await this.catalog.get([id])))[0] ?? null;
    if (!p) return null;
    this.shown = [p];
    const key = this.ctx.key('view', p.id);
    const shopper = this.shopper;
    const at = this.now();
    const records = this.ctx.services.records;
    this.ctx.effect((tx) => records.recordView(tx, key, shopper, p.id, at));
    this.event('product_view', { product: p.id });
    return p;
  }

  /**
   * A variant of a product just shown, when the words name one («52 размер», «в синем»): its
   * card. Words that name a category ask for something else, and are left to the search.
   */
  async variantAsked(text: string): Promise<Product | null> {
    const ids = this.recentlyShown();
    if (!ids.length) return null;
    const r = extract(text, this.vocabulary);
    if (r.category) return null;
    for (const p of await this.catalog.families(await this.catalog.get(ids, { activeOnly: true }))) {
      const v = p.family && pickVariant(p.family, text, r.filters.color ?? []);
      if (v) return this.product(v.id);
    }
    return null;
  }

  /** One active alert per shopper and product: setting it again replaces the target. */
  async setPriceAlert(args: { product_id: string; target_price?: number; drop_percent?: number }) {
    const p = (await this.catalog.get([args.product_id]))[0];
    if (!p) return { ok: false as const, error: 'product not found' };
    const kind = p.stock <= 0 ? 'stock' : args.target_price ? 'price' : args.drop_percent ? 'percent' : 'any';
    const target =
      kind === 'price'
        ? toMinor(args.target_price!, p.currency)
        : kind === 'percent'
          ? Math.round(p.price * (1 - Math.min(90, Math.max(1, args.drop_percent!)) / 100))
          : p.price - 1;
    const shopper = this.shopper;
    const at = this.now();
    const records = this.ctx.services.records;
    this.ctx.effect((tx) =>
      records.saveAlert(tx, { shopperKey: shopper, productId: p.id, kind, percent: args.drop_percent ?? null, basePrice: p.price, targetPrice: target, at }),
    );
    this.event('alert_set', { product: p.id, kind, target });
    return { ok: true as const, product: p, kind, target, targetText: formatPrice(target, p.currency, this.lang) };
  }

  async trackPreference(change: Partial<Preferences>) {
    const next = mergePreferences(this.prefs, change);
    if (JSON.stringify(next) === JSON.stringify(this.prefs)) return next;
    this.prefs = next;
    // however often they change in a turn, preferences are written once, as they end up
    this.ctx.rememberPreferences(next, this.now());
    this.event('preference', { change });
    return next;
  }

  /** Opens a handoff (at most one open per shopper); the full flow lives in the escalation service. */
  async escalate(reason: string) {
    this.escalated = true;
    const shopper = this.shopper;
    const at = this.now();
    const digest = [
      ...this.history.slice(-6).map((e) => `${e.role === 'user' ? '🧑' : '🤖'} ${e.text}`),
      describePreferences(this.prefs, this.currency) === 'nothing yet' ? '' : `⭐ ${describePreferences(this.prefs, this.currency)}`,
    ]
      .filter(Boolean)
      .join('\n');
    const summary = this.deps.summarize ? await this.deps.summarize(digest).catch(() => digest) : digest;
    const { handoff } = this.ctx.services;
    const customer = customerLabel(this.ctx.shopper.name, shopper);
    this.ctx.effect(async (tx) => void (await handoff.open(tx, { shopperKey: shopper, customer, reason, summary, at })));
    this.event('escalation', { reason });
    this.ctx.afterCommit(async () => handoff.events.changed(null));
    return { ok: true };
  }

  /** Preferences read from the words themselves, without a model. */
  async learnFrom(text: string) {
    const ex = extract(text, this.vocabulary);
    const change: Partial<Preferences> = {};
    if (ex.budgetMax) change.budgetMax = ex.budgetMax;
    if (ex.budgetMin) change.budgetMin = ex.budgetMin;
    if (ex.color) change.colors = [ex.color];
    if (ex.style) change.styles = [ex.style];
    if (ex.category) change.categories = [ex.category];
    if (Object.keys(change).length) await this.trackPreference(change);
  }

  /**
   * The n-th product of the last answer that showed at least n (1-based): «второй» after a
   * card, a price-alert dialog or a cart message still means the last list.
   */
  lastShown(n: number): { id: string; name: string } | null {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const shown = this.history[i]!.shown;
      if (shown && shown.length >= n) return shown[n - 1]!;
    }
    return null;
  }
}
