import { sql } from 'drizzle-orm';
import { extract } from './extract.ts';
import type { Lang } from './language.ts';
import { describePreferences, mergePreferences, recordView, savePreferences, type ContextEntry, type Preferences } from './memory.ts';
import type { PhraseBook } from './phrases.ts';
import { recommend } from './recommend.ts';
import { MINOR, customerLabel, formatPrice, getProducts, priceAlerts, searchProducts, type Product, type SearchFilters, type Turn } from './ports.ts';

export interface AssistantDeps {
  phrases: PhraseBook;
  complements?: Record<string, string[]>;
  /** With a model: writes the hand-off summary for managers; without, a plain digest is used. */
  summarize?: (digest: string) => Promise<string>;
}

/** A product as tools report it to the model: facts only, prices in currency units. */
export function brief(p: Product) {
  return {
    id: p.id,
    name: p.name,
    price: p.price / MINOR,
    price_text: formatPrice(p.price, p.currency),
    old_price: p.oldPrice ? p.oldPrice / MINOR : null,
    category: p.category,
    color: p.color,
    style: p.style,
    material: p.material,
    in_stock: p.stock > 0,
  };
}

const pendingPreferences = new WeakMap<Turn, { prefs: Preferences }>();

/**
 * The state of one turn and the actions both assistants take through it. Every action is for
 * `ctx.shopper`, whatever a model's arguments say; writes are effects committed with the
 * message, keyed by its wamid.
 */
export class Session {
  shown: Product[] = [];
  escalated = false;
  didYouMean: string | null = null;

  constructor(
    readonly ctx: Turn,
    readonly deps: AssistantDeps,
    readonly lang: Lang,
    public prefs: Preferences,
    readonly history: ContextEntry[],
  ) {}

  get db() {
    return this.ctx.services.db;
  }
  get vocabulary() {
    return this.ctx.services.vocabulary;
  }
  get shopper() {
    return this.ctx.shopper.key;
  }
  private now() {
    return this.ctx.services.clock.now();
  }
  private event(kind: string, data: Record<string, unknown>) {
    this.ctx.event(kind, data);
  }

  async search(args: { query?: string; category?: string; color?: string; style?: string; min_price?: number; max_price?: number; in_stock?: boolean }) {
    const ex = extract(args.query ?? '', this.vocabulary);
    const maxPrice = args.max_price ?? ex.budgetMax ?? this.prefs.budgetMax ?? null;
    const minPrice = args.min_price ?? ex.budgetMin ?? null;
    const filters: SearchFilters = {
      category: args.category ?? ex.category,
      color: args.color ? (extract(args.color, this.vocabulary).color ?? args.color) : ex.color,
      style: args.style ? (extract(args.style, this.vocabulary).style ?? args.style) : ex.style,
      maxPrice: maxPrice != null ? maxPrice * MINOR : null,
      minPrice: minPrice != null ? minPrice * MINOR : null,
      inStock: args.in_stock ?? false,
    };
    const result = await searchProducts(this.db, ex.rest, filters);
    this.shown = result.products;
    this.didYouMean = result.didYouMean;
    this.event('search', { query: args.query ?? '', filters, found: result.products.length, match: result.match });
    return result;
  }

  async recommendations(args: { product_id?: string } = {}) {
    const anchor = args.product_id ? ((await getProducts(this.db, [args.product_id]))[0] ?? null) : null;
    const products = await recommend(this.db, { shopper: this.shopper, prefs: this.prefs, anchor, complements: this.deps.complements });
    this.shown = products;
    this.event('recommendations', { anchor: anchor?.id ?? null, shown: products.map((p) => p.id) });
    return products;
  }

  async product(id: string): Promise<Product | null> {
    const p = (await getProducts(this.db, [id]))[0] ?? null;
    if (!p) return null;
    this.shown = [p];
    const key = this.ctx.key('view', p.id);
    const shopper = this.shopper;
    const at = this.now();
    this.ctx.effect((tx) => recordView(tx, key, shopper, p.id, at));
    this.event('product_view', { product: p.id });
    return p;
  }

  /** One active alert per shopper and product: setting it again replaces the target. */
  async setPriceAlert(args: { product_id: string; target_price?: number; drop_percent?: number }) {
    const p = (await getProducts(this.db, [args.product_id]))[0];
    if (!p) return { ok: false as const, error: 'product not found' };
    const kind = p.stock <= 0 ? 'stock' : args.target_price ? 'price' : args.drop_percent ? 'percent' : 'any';
    const target =
      kind === 'price'
        ? Math.round(args.target_price! * MINOR)
        : kind === 'percent'
          ? Math.round(p.price * (1 - Math.min(90, Math.max(1, args.drop_percent!)) / 100))
          : p.price - 1;
    const shopper = this.shopper;
    const at = this.now();
    this.ctx.effect(async (tx) => {
      await tx
        .insert(priceAlerts)
        .values({ shopperKey: shopper, productId: p.id, kind, percent: args.drop_percent ?? null, basePrice: p.price, targetPrice: target, createdAt: at })
        .onConflictDoUpdate({
          target: [priceAlerts.shopperKey, priceAlerts.productId],
          targetWhere: sql`status = 'active'`,
          set: { kind, percent: args.drop_percent ?? null, basePrice: p.price, targetPrice: target, createdAt: at },
        });
    });
    this.event('alert_set', { product: p.id, kind, target });
    return { ok: true as const, product: p, kind, target, targetText: formatPrice(target, p.currency) };
  }

  async trackPreference(change: Partial<Preferences>) {
    const next = mergePreferences(this.prefs, change);
    if (JSON.stringify(next) === JSON.stringify(this.prefs)) return next;
    this.prefs = next;
    // however often they change in a turn, preferences are written once, as they end up
    const pending = pendingPreferences.get(this.ctx);
    if (pending) pending.prefs = next;
    else {
      const latest = { prefs: next };
      pendingPreferences.set(this.ctx, latest);
      const shopper = this.shopper;
      const at = this.now();
      this.ctx.effect((tx) => savePreferences(tx, shopper, latest.prefs, at));
    }
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
      describePreferences(this.prefs, this.ctx.services.config.CURRENCY) === 'nothing yet' ? '' : `⭐ ${describePreferences(this.prefs, this.ctx.services.config.CURRENCY)}`,
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

  /** The n-th product shown by the last answer (1-based). */
  lastShown(n: number): { id: string; name: string } | null {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const shown = this.history[i]!.shown;
      if (shown?.length) return shown[n - 1] ?? null;
    }
    return null;
  }
}
