import type { TurnContext } from '../src/context.ts';
import type { Logger } from '../src/log.ts';
import { getProducts } from '../src/catalog/catalog-repo.ts';
import { asLang, detectLanguage, type Lang } from './language.ts';
import { llmAnswer, type LlmOptions } from './llm-assistant.ts';
import { appendContext, loadContext, loadPreferences, recordEvent } from './memory.ts';
import { offlineAnswer } from './offline-assistant.ts';
import { say, type PhraseBook } from './phrases.ts';
import { ACTION, render, type ReplyPlan } from './render.ts';
import { Session } from './session.ts';

export interface AssistantOptions {
  phrases: PhraseBook;
  /** null: no OPENAI_API_KEY, the offline assistant answers everything. */
  llm: LlmOptions | null;
  contextSize: number;
  storeName: string;
  currency: string;
  defaultLanguage: Lang;
  complements?: Record<string, string[]>;
  log: Logger;
}

const langKey = (shopper: string) => `lang:${shopper}`;

/**
 * The shopping assistant: one entry for words (`reply`) and one per action a button or list
 * row carries. Each loads the shopper's context and preferences, decides a reply plan (model
 * with tools, or the offline rules when there is no model or it fails), renders it, and
 * records the turn in the conversation context after the commit.
 */
export class Assistant {
  constructor(readonly opts: AssistantOptions) {}

  get phrases(): PhraseBook {
    return this.opts.phrases;
  }

  private async session(ctx: TurnContext, lang: Lang): Promise<Session> {
    const { db, store } = ctx.services;
    const [history, prefs] = await Promise.all([loadContext(store, ctx.shopper.key), loadPreferences(db, store, ctx.shopper.key)]);
    ctx.language = lang;
    return new Session(ctx, { phrases: this.opts.phrases, complements: this.opts.complements }, lang, prefs, history);
  }

  /** The language of a tap: the one the shopper last wrote in. */
  async languageOf(ctx: TurnContext): Promise<Lang> {
    const saved = await ctx.services.store.get(langKey(ctx.shopper.key)).catch(() => null);
    return asLang(saved, this.opts.defaultLanguage);
  }

  /** Answers the shopper's words. */
  async reply(ctx: TurnContext, text: string): Promise<void> {
    const lang = detectLanguage(text, await this.languageOf(ctx));
    ctx.afterCommit(() => ctx.services.store.set(langKey(ctx.shopper.key), lang, 30 * 24 * 3600));
    let s = await this.session(ctx, lang);
    await s.learnFrom(text);
    let plan: ReplyPlan;
    const offline = () => offlineAnswer(s, text, { storeName: this.opts.storeName, currency: this.opts.currency, shopperName: ctx.shopper.name });
    if (this.opts.llm) {
      try {
        const { plan: p, usage } = await llmAnswer(s, text, this.opts.llm);
        plan = p;
        const key = ctx.key('model_usage');
        const at = ctx.services.clock.now();
        ctx.effect((tx) => recordEvent(tx, key, ctx.shopper.key, 'model_usage', { model: this.opts.llm!.model, ...usage }, at));
        if (!plan.text.trim() && !plan.products.length) plan = await offline();
      } catch (err) {
        ctx.log.warn({ err: String(err) }, 'model failed; offline answer');
        const key = ctx.key('offline_answer');
        const at = ctx.services.clock.now();
        ctx.effect((tx) => recordEvent(tx, key, ctx.shopper.key, 'offline_answer', { reason: String(err).slice(0, 300) }, at));
        s = new Session(ctx, s.deps, lang, s.prefs, s.history);
        plan = await offline();
      }
    } else {
      plan = await offline();
    }
    this.deliver(ctx, s, text, plan);
  }

  /** A list row or "the second one": the product card, and a recorded view. */
  async showProduct(ctx: TurnContext, productId: string, said: string): Promise<boolean> {
    const s = await this.session(ctx, await this.languageOf(ctx));
    const p = await s.product(productId);
    if (!p) return false;
    const key = ctx.key('list_tap');
    const at = ctx.services.clock.now();
    ctx.effect((tx) => recordEvent(tx, key, ctx.shopper.key, 'list_tap', { product: p.id }, at));
    this.deliver(ctx, s, said, { text: '', products: [p] });
    return true;
  }

  /** "🔔 Следить за ценой": how to watch it. */
  async alertOptions(ctx: TurnContext, productId: string, said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.session(ctx, lang);
    const [p] = await getProducts(ctx.services.db, [productId]);
    if (!p) return this.deliver(ctx, s, said, { text: say(this.phrases, lang, 'product_missing'), products: [] });
    this.deliver(ctx, s, said, {
      text: say(this.phrases, lang, 'alert_choose', { name: p.name }),
      products: [],
      buttons: [
        { id: ACTION.alertLevel(p.id, 'any'), title: say(this.phrases, lang, 'btn_alert_any') },
        { id: ACTION.alertLevel(p.id, '10'), title: say(this.phrases, lang, 'btn_alert_10') },
        { id: ACTION.alertLevel(p.id, '20'), title: say(this.phrases, lang, 'btn_alert_20') },
      ],
    });
  }

  async setAlert(ctx: TurnContext, productId: string, level: 'any' | '10' | '20', said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.session(ctx, lang);
    const r = await s.setPriceAlert({ product_id: productId, drop_percent: level === 'any' ? undefined : Number(level) });
    const text = !r.ok
      ? say(this.phrases, lang, 'product_missing')
      : r.kind === 'any'
        ? say(this.phrases, lang, 'alert_set_any', { name: r.product.name })
        : say(this.phrases, lang, 'alert_set', { name: r.product.name, target: r.targetText });
    this.deliver(ctx, s, said, { text, products: [] });
  }

  async similar(ctx: TurnContext, productId: string, said: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.session(ctx, lang);
    const products = await s.recommendations({ product_id: productId });
    const key = ctx.key('recommendation_tap');
    const at = ctx.services.clock.now();
    ctx.effect((tx) => recordEvent(tx, key, ctx.shopper.key, 'recommendation_tap', { anchor: productId }, at));
    this.deliver(ctx, s, said, { text: say(this.phrases, lang, products.length ? 'recommendations' : 'recommendations_none'), products });
  }

  async manager(ctx: TurnContext, said: string, reason: string): Promise<void> {
    const lang = await this.languageOf(ctx);
    const s = await this.session(ctx, lang);
    await s.escalate(reason);
    this.deliver(ctx, s, said, { text: say(this.phrases, lang, 'manager_handoff'), products: [] });
  }

  private deliver(ctx: TurnContext, s: Session, said: string, plan: ReplyPlan): void {
    for (const m of render(plan, s.lang, this.phrases)) ctx.reply(m);
    const shown = plan.products.slice(0, 10).map((p) => ({ id: p.id, name: p.name }));
    const store = ctx.services.store;
    ctx.afterCommit(() =>
      appendContext(store, ctx.shopper.key, [{ role: 'user', text: said }, { role: 'assistant', text: plan.text, shown }], this.opts.contextSize),
    );
  }
}
