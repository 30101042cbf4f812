/**
 * npm run eval:stores — the sample stores, each through the whole service (signed webhooks,
 * the assistant, the sandbox's Graph API), offline and with a model that follows the tool
 * schemas (schema-model.ts). For every request in test/eval/stores/NAME.json it scores:
 *   right          the reply shows an acceptable product (the first one, for an exact product);
 *                  for a request the store cannot answer: nothing shown, or shown with what was
 *                  relaxed said out loud; for a thing the store does not sell at all (`absent`):
 *                  nothing shown
 *   wrong product  a product of another colour, brand, category or over the budget, shown as a
 *                  match (a reply that says what it relaxed is not claiming a match)
 *   wrong language the reply's words are not in the language of the request
 * Also counted: the first product right, random products (a reply showing products none of
 * which was asked for, with nothing relaxed said), messages sent per turn and what they cost per
 * 100 conversations (a request's turns) at the shipped service rate. Prints a table;
 * exits 1 when a store scores under 95 % right, has a wrong-language reply or random products.
 */
import { detectLanguage } from '../../core/language.ts';
import { parseJson } from '../../src/catalog/import.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { fileReading, storeCatalogFile } from '../../src/catalog/demo.ts';
import { sampleStoreDir } from '../../src/config.ts';
import { fromMinor } from '../../src/catalog/money.ts';
import { loadRateCard } from '../../src/analytics/rate-card.ts';
import type { ProductRow } from '../../src/catalog/product.ts';
import { loadPhrases } from '../../src/phrases.ts';
import type { Lang } from '../../src/lang.ts';
import { parsePayload } from '../../src/whatsapp/payloads.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { startHarness, textWebhook } from '../helpers/harness.ts';
import { RELAXED, schemaFollowingModel } from './schema-model.ts';

interface Request {
  lang: Lang;
  turns: string[];
  accept?: string[];
  first?: boolean;
  none?: boolean;
  /** The store sells no such thing at all: only a reply that shows nothing is right (not cheap products under the budget). */
  absent?: boolean;
  constraints?: { color?: string[]; brand?: string[]; max_price?: number; category?: string[] };
}

export interface StoreScore {
  store: string;
  mode: 'offline' | 'model';
  requests: number;
  right: number;
  /** Requests with products to find whose first product shown is one of them. */
  firstRight: number;
  wrongProduct: number;
  /** Replies that showed products when none asked for was among them and nothing relaxed was said (a thing the store lacks answered with its goods). */
  randomProducts: number;
  /** Messages sent per shopper turn (each is billed). */
  messages: number;
  /** What those messages cost at the shipped rates (templates/rates.yaml), today, as service messages to the shoppers' numbers (KZ). */
  usd: number;
  turns: number;
  wrongLanguage: number;
  misses: string[];
}

const phrases = loadPhrases();
const card = loadRateCard();
const norm = (t: string) => t.toLowerCase().replace(/ё/g, 'е');

export async function evalStore(store: string, mode: 'offline' | 'model', requests: Request[]): Promise<StoreScore> {
  const catalog = new Map(
    parseJson(readFileSync(storeCatalogFile(sampleStoreDir(store)), 'utf8'), fileReading('USD')).rows.map((p) => [p.id, p] as [string, ProductRow]),
  );
  const model = mode === 'model' ? await new FakeOpenAI().start() : null;
  model?.respondWith(schemaFollowingModel);
  const h = await startHarness({
    backend: { name: 'pglite+memory', env: async () => ({ DATA_DIR: 'memory://' }), cleanup: async () => {} },
    demo: store,
    env: { BOT: 'assistant', ...(model ? { OPENAI_API_KEY: 'sk-eval', OPENAI_BASE_URL: model.url } : {}) },
  });
  const score: StoreScore = {
    store,
    mode,
    requests: requests.length,
    right: 0,
    firstRight: 0,
    wrongProduct: 0,
    randomProducts: 0,
    messages: 0,
    usd: 0,
    turns: 0,
    wrongLanguage: 0,
    misses: [],
  };
  try {
    let n = 0;
    for (const r of requests) {
      const shopper = `7700${String(++n).padStart(7, '0')}`;
      let before = 0;
      for (const t of r.turns) {
        before = h.services.sandbox!.history(shopper).length;
        await h.post(textWebhook({ from: shopper, body: t }));
        await h.drain();
      }
      const out = h.services
        .sandbox!.history(shopper)
        .slice(before)
        .filter((e) => e.direction === 'out')
        .map((e) => e.message as Record<string, any>);
      score.turns += r.turns.length;
      const sent = h.services.sandbox!.history(shopper).filter((e) => e.direction === 'out').length;
      score.messages += sent;
      // every free-form reply is a billed service message since 2026-10-01
      score.usd += sent * (card.price({ country: card.countryOf(shopper), category: 'service', at: new Date() }) ?? 0);
      const shown = productsShown(out);
      const words = replyWords(out, catalog);
      const relaxedSaid = saysRelaxed(words, r.lang);
      const right = r.absent
        ? shown.length === 0
        : r.none
          ? shown.length === 0 || relaxedSaid
          : r.first
            ? r.accept!.includes(shown[0] ?? '')
            : shown.some((id) => r.accept!.includes(id));
      const wrong = relaxedSaid ? [] : shown.filter((id) => violates(catalog.get(id), r));
      const lang = words.trim() ? detectLanguage(words, r.lang) : r.lang;
      if (right) score.right++;
      if (r.accept?.includes(shown[0] ?? '')) score.firstRight++;
      const asked = (id: string) => r.accept?.includes(id) ?? false;
      if (shown.length && !relaxedSaid && (r.absent || r.none || !shown.some(asked))) score.randomProducts++;
      if (wrong.length) score.wrongProduct++;
      if (lang !== r.lang) score.wrongLanguage++;
      if (!right || wrong.length || lang !== r.lang)
        score.misses.push(
          `  ${r.turns.join(' → ')}: shown [${shown.join(', ')}]${wrong.length ? ` wrong [${wrong.join(', ')}]` : ''}${lang !== r.lang ? ` language ${lang}` : ''} · "${words.slice(0, 120)}"`,
        );
    }
  } finally {
    await h.close();
    await model?.stop();
  }
  return score;
}

/** Product ids a reply shows: list rows in order, or the card's buttons. */
function productsShown(out: Array<Record<string, any>>): string[] {
  const ids: string[] = [];
  for (const m of out) {
    const i = m.interactive;
    if (i?.type === 'list')
      for (const s of i.action.sections) for (const row of s.rows) ids.push((parsePayload(row.id) as { product?: string })?.product ?? '');
    if (i?.type === 'button')
      for (const b of i.action.buttons) {
        const p = parsePayload(b.reply.id) as { kind: string; product?: string } | null;
        if (p?.product && (p.kind === 'alert' || p.kind === 'similar') && !ids.includes(p.product)) ids.push(p.product);
      }
  }
  return ids.filter(Boolean);
}

/** What the reply says in words, with product names, brands and prices taken out. */
function replyWords(out: Array<Record<string, any>>, catalog: Map<string, ProductRow>): string {
  let text = out.map((m) => [m.text?.body, m.interactive?.body?.text, m.interactive?.action?.button, m.image?.caption].filter(Boolean).join(' ')).join(' ');
  for (const p of catalog.values()) for (const w of [p.name, p.brand]) if (w) text = text.split(w).join(' ');
  return text.replace(/https?:\S+/g, ' ').replace(/[\d\s.,$₸]+/g, ' ');
}

const MODEL_LANGUAGE: Record<Lang, string> = { ru: 'Russian', kk: 'Kazakh', en: 'English' };

/** The reply says it relaxed something: the phrase book's words, or the eval model's. */
function saysRelaxed(words: string, lang: Lang): boolean {
  const head = phrases[lang]
    .relaxed!.split('{{')[0]!
    .replace(/[\d\s.,$₸]+/g, ' ')
    .trim();
  const model = RELAXED[MODEL_LANGUAGE[lang]]!.split(';')[0]!;
  return norm(words).includes(norm(head)) || norm(words).includes(norm(model));
}

function violates(p: ProductRow | undefined, r: Request): boolean {
  if (!p) return true;
  const c = r.constraints ?? {};
  if (c.color && !c.color.map(norm).includes(norm(p.color))) return true;
  if (c.brand && !c.brand.map(norm).includes(norm(p.brand))) return true;
  if (c.category && !c.category.includes(p.category)) return true;
  return c.max_price !== undefined && fromMinor(p.price, p.currency) > c.max_price;
}

/**
 * NAME.json is the set the code was developed against (it gates: ≥ 95 % right, no wrong
 * language). NAME.held-out.json was written afterwards and is never tuned on: it is reported,
 * not gated, as the honest estimate for catalogs and requests we have not seen.
 */
async function main() {
  // every sample store with a request set in test/eval/stores/, or those named
  const sets = readdirSync(new URL('./stores/', import.meta.url))
    .filter((f) => /^[a-z0-9-]+\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length));
  const stores = process.argv.slice(2).length ? process.argv.slice(2) : sets;
  let failed = false;
  for (const store of stores) {
    // EVAL_HELD_OUT=no while developing: the held-out sets are run once, for the note
    for (const set of process.env.EVAL_HELD_OUT === 'no' ? ([''] as const) : (['', '.held-out'] as const)) {
      const requests = JSON.parse(readFileSync(new URL(`./stores/${store}${set}.json`, import.meta.url), 'utf8')) as Request[];
      for (const mode of ['offline', 'model'] as const) {
        const s = await evalStore(store, mode, requests);
        const pct = (x: number) => `${((100 * x) / s.requests).toFixed(1)} %`;
        const withProducts = requests.filter((r) => r.accept).length;
        console.log(
          `${(store + set).padEnd(18)} ${mode.padEnd(8)} right ${s.right}/${s.requests} (${pct(s.right)}) · first right ${s.firstRight}/${withProducts} · wrong product ${s.wrongProduct} · random products ${s.randomProducts} · wrong language ${s.wrongLanguage} · messages per turn ${(s.messages / s.turns).toFixed(2)} · USD per 100 conversations ${((100 * s.usd) / s.requests).toFixed(2)}`,
        );
        if (s.misses.length) console.log(s.misses.join('\n'));
        if (!set && (s.right / s.requests < 0.95 || s.wrongLanguage > 0 || s.randomProducts > 0)) failed = true;
      }
    }
  }
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
