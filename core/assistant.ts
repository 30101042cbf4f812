import { asLang, detectLanguage, type Lang } from './language.ts';
import { LANGUAGE_NAME, llmAnswer, type LlmOptions } from './llm-assistant.ts';
import { appendContext, loadContext, savedPreferences } from './memory.ts';
import { offlineAnswer } from './offline-assistant.ts';
import { say, workingHours, type PhraseBook } from './ports.ts';
import { render, type ReplyPlan } from './render.ts';
import { FittedProfiles } from './profile-fit.ts';
import { AssistantTurn } from './assistant-turn.ts';
import { encodePayload, type AlertLevel, type Logger, type PhotoDescription, type Product, type Turn } from './ports.ts';

export interface AssistantOptions {
  phrases: PhraseBook;
  /** null: no OPENAI_API_KEY, the offline assistant answers everything. */
  llm: LlmOptions | null;
  contextSize: number;
  complements?: Record<string, string[]>;
  log: Logger;
}

// Building an Intl.DateTimeFormat costs far more than using one: one per time zone.
/**
 * The shopping assistant: one entry for words (`reply`) and one per action a button or list
 * row carries. Each loads the shopper's context and preferences, decides a reply plan (model
 * with tools, or the offline rules when there is no model or it fails), renders it, and
 * records the turn in the conversation context after the commit.
 */
export class Assistant {
  private readonly profiles = new FittedProfiles();
  constructor(readonly opts: AssistantOptions) {}

  get phrases(): PhraseBook {
    return this.opts.phrases;
  }

  private async turnOf(ctx: Turn, lang: Lang): Promise<AssistantTurn> {
    const { catalog } = ctx.services;
    const history = await loadContext(ctx.services.kv, ctx.shopper.key);
    const prefs = savedPreferences(ctx.shopper.preferences);
    ctx.language = lang;
    const vocabulary = ctx.services.vocabulary.current();
    const written = ctx.services.profile.current();
    const finds = async (words: string[][]) => (await catalog.search(words, {}, { languages: written.languages, limit: 1 })).products.length > 0;
    const profile = await this.profiles.get(written, vocabulary, finds);
    return new AssistantTurn(
      ctx,
      { phrases: this.opts.phrases, complements: this.opts.complements, summarize: this.summarizer(ctx), profile },
      lang,
      prefs,
      history,
    );
  }

  /**
   * The language of a tap: the one the shopper last wrote in, as Postgres records it (read with
   * the inbox claim), so a Redis restart cannot turn a Kazakh shopper Russian.
   */
  async languageOf(ctx: Turn): Promise<Lang> {
    const profile = ctx.services.profile.current();
    const lang = asLang(ctx.shopper.language, profile.defaultLanguage);
    return profile.languages.includes(lang) ? lang : profile.defaultLanguage;
  }

  /** The model writes managers a short hand-off summary; any failure falls back to the digest. */
  private summarizer(ctx: Turn): ((digest: string) => Promise<string>) | undefined {
    const llm = this.opts.llm;
    if (!llm) return undefined;
    const language = LANGUAGE_NAME[ctx.services.profile.current().managerLanguage];
    return async (digest) => {
      const res = await llm.model.complete({
        messages: [
          {
            role: 'system',
            content: `Summarize for a store manager, in ${language}, in at most 3 short lines: what the shopper wants, budget and preferences, products discussed, why a person is needed.`,
          },
          { role: 'user', content: digest || '(no conversation yet)' },
        ],
        timeoutMs: llm.timeoutMs,
      });
      return res.message?.content?.trim() || digest;
    };
  }

  /** A short answer in the shopper's language from the phrase book. */
  async sayPhrase(ctx: Turn, key: string, vars: Record<string, string | number> = {}, lang?: Lang): Promise<void> {
    ctx.replyText(say(this.phrases, lang ?? (await this.languageOf(ctx)), key, vars));
  }

  /**
   * Answers the shopper's words. `lang` overrides detection (Whisper's language for a voice
   * note); `heard` first shows the transcript ("🎤 …").
   */
  async reply(ctx: Turn, text: string, opts: { lang?: Lang | null; heard?: boolean } = {}): Promise<void> {
    const saved = ctx.shopper.language ?? null;
    const profile = ctx.services.profile.current();
    const detected = opts.lang ?? detectLanguage(text, await this.languageOf(ctx), ctx.services.vocabulary.current());
    // a store answers only in the languages it offers
    const lang = profile.languages.includes(detected) ? detected : await this.languageOf(ctx);
    if (opts.heard) ctx.replyText(say(this.phrases, lang, 'voice_heard', { text }));
    if (saved !== lang) {
      // templates (price alerts, new arrivals) go out in the language the shopper writes in
      ctx.rememberLanguage(lang);
    }
    let s = await this.turnOf(ctx, lang);
    await s.learnFrom(text);
    let plan: ReplyPlan;
    const offline = () => offlineAnswer(s, text, { shopperName: ctx.shopper.name, handoffText: this.handoffText(ctx, lang) });
    if (this.opts.llm) {
      try {
        const { plan: p, usage } = await llmAnswer(s, text, this.opts.llm);
        plan = p;
        ctx.event('model_usage', { model: this.opts.llm!.model.name, ...usage });
        if (!plan.text.trim() && !plan.products.length) plan = await offline();
      } catch (err) {
        ctx.log.warn({ err: String(err) }, 'model failed; offline answer');
        // the assistant failing twice in a row for a shopper hands them to a person: the last
        // answer the model was asked for, in the conversation context, failed too
        const previous = [...s.history].reverse().find((e) => e.model !== undefined);
        if (previous?.model === 'failed') {
          // the model is failing: the managers get the plain digest
          s = new AssistantTurn(ctx, { ...s.deps, summarize: undefined }, lang, s.prefs, s.history);
          await s.escalate('the assistant failed twice in a row');
          return this.deliver(ctx, s, text, { text: this.handoffText(ctx, lang), products: [] });
        }
        ctx.event('offline_answer', { reason: String(err).slice(0, 300) });
        s = new AssistantTurn(ctx, { ...s.deps, summarize: undefined }, lang, s.prefs, s.history);
        return this.deliver(ctx, s, text, await offline(), 'failed');
      }
      return this.deliver(ctx, s, text, plan, 'ok');
    } else {
      plan = await offline();
    }
    this.deliver(ctx, s, text, plan);
  }

  /** A photo described by the vision model → look-alike products from the catalog. */
  async photo(ctx: Turn, d: PhotoDescription, caption: string | null): Promise<void> {
    const known = await this.languageOf(ctx);
    const seen = caption ? detectLanguage(caption, known, ctx.services.vocabulary.current()) : known;
    const lang = ctx.services.profile.current().languages.includes(seen) ? seen : known;
    const s = await this.turnOf(ctx, lang);
    const said = caption ? `📷 ${caption}` : '📷';
    if (!d.is_product) return this.deliver(ctx, s, said, { text: say(this.phrases, lang, 'photo_not_product'), products: [] });
    // From the closest match to the broadest, until there are a few look-alikes to choose from.
    const attempts = [
      { query: [...d.keywords, d.material ?? ''].join(' '), category: d.category, color: d.color, style: d.style },
      { category: d.category, color: d.color },
      { category: d.category },
    ].filter((a) => a.category || a.query);
    const found = new Map<string, Product>();
    for (const a of attempts) {
      if (found.size >= 3) break;
      const r = await s.search({ query: a.query, category: a.category ?? undefined, color: a.color ?? undefined, style: a.style ?? undefined });
      if (r.relaxed.length) continue;
      for (const p of r.products) if (found.size < 10) found.set(p.id, p);
    }
    const products = [...found.values()];
    s.shown = products;
    this.deliver(ctx, s, said, { text: say(this.phrases, lang, products.length ? 'photo_found' : 'photo_none'), products });
  }

  /** A list row or "the second one": the product card, and a recorded view. */
  async showProduct(ctx: Turn, productId: string, said: string): Promise<boolean> {
    const s = await this.turnOf(ctx, await this.languageOf(ctx));
    const p = await s.product(productId);
    if (!p) return false;
    ctx.event('list_tap', { product: p.id });
    this.deliver(ctx, s, said, { text: '', products: [p] });
    return true;
  }

  /** "🔔 Следить за ценой": how to watch it. */
  async alertOptions(ctx: Turn, productId: string, said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.turnOf(ctx, lang);
    const [p] = await ctx.services.catalog.get([productId]);
    if (!p) return this.deliver(ctx, s, said, { text: say(this.phrases, lang, 'product_missing'), products: [] });
    this.deliver(ctx, s, said, {
      text: say(this.phrases, lang, 'alert_choose', { name: p.name }),
      products: [],
      buttons: [
        { id: encodePayload({ kind: 'alert', product: p.id, level: 'any' }), title: say(this.phrases, lang, 'btn_alert_any') },
        { id: encodePayload({ kind: 'alert', product: p.id, level: '10' }), title: say(this.phrases, lang, 'btn_alert_10') },
        { id: encodePayload({ kind: 'alert', product: p.id, level: '20' }), title: say(this.phrases, lang, 'btn_alert_20') },
      ],
    });
  }

  async setAlert(ctx: Turn, productId: string, level: AlertLevel, said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.turnOf(ctx, lang);
    const r = await s.setPriceAlert({ product_id: productId, drop_percent: level === 'any' ? undefined : Number(level) });
    const text = !r.ok
      ? say(this.phrases, lang, 'product_missing')
      : r.kind === 'stock'
        ? say(this.phrases, lang, 'alert_set_stock', { name: r.product.name })
        : r.kind === 'any'
          ? say(this.phrases, lang, 'alert_set_any', { name: r.product.name })
          : say(this.phrases, lang, 'alert_set', { name: r.product.name, target: r.targetText });
    this.deliver(ctx, s, said, { text, products: [] });
  }

  async similar(ctx: Turn, productId: string, said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.turnOf(ctx, lang);
    const products = await s.recommendations({ product_id: productId });
    ctx.event('recommendation_tap', { anchor: productId });
    this.deliver(ctx, s, said, { text: say(this.phrases, lang, products.length ? 'recommendations' : 'recommendations_none'), products });
  }

  /** A cart or checkout step (core/cart.ts): a tap, a location, a WhatsApp order. */
  async shop(ctx: Turn, said: string, step: (s: AssistantTurn) => Promise<ReplyPlan>): Promise<void> {
    const s = await this.turnOf(ctx, await this.languageOf(ctx));
    this.deliver(ctx, s, said, await step(s));
  }

  async manager(ctx: Turn, said: string, reason: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.turnOf(ctx, lang);
    await s.escalate(reason);
    this.deliver(ctx, s, said, { text: this.handoffText(ctx, lang), products: [] });
  }

  /** "A person will reply", and when: inside working hours soon, outside them from the opening time. */
  handoffText(ctx: Turn, lang: Lang): string {
    const hours = workingHours(ctx.services.config.WORKING_HOURS, ctx.services.profile.current().timeZone, ctx.services.clock.now());
    return hours.inside ? say(this.phrases, lang, 'manager_handoff') : say(this.phrases, lang, 'manager_after_hours', { opens: hours.open });
  }

  private deliver(ctx: Turn, s: AssistantTurn, said: string, plan: ReplyPlan, model?: 'ok' | 'failed'): void {
    for (const m of render(plan, s.lang, this.phrases, { catalogId: ctx.services.config.WHATSAPP_CATALOG_ID })) ctx.reply(m);
    const shown = plan.products.slice(0, 10).map((p) => ({ id: p.id, name: p.name }));
    const kv = ctx.services.kv;
    ctx.afterCommit(() =>
      appendContext(
        kv,
        ctx.shopper.key,
        [
          { role: 'user', text: said },
          { role: 'assistant', text: plan.text, shown, ...(model ? { model } : {}) },
        ],
        this.opts.contextSize,
      ),
    );
  }
}
