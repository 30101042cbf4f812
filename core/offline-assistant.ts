import { cartWords } from './cart.ts';
import { extract } from './extract.ts';
import { keys, say, type StoreInfo } from './ports.ts';
import type { ReplyPlan } from './render.ts';
import type { SearchOutcome, AssistantTurn } from './assistant-turn.ts';
import type { Vocabulary } from './vocabulary.ts';

const MANAGER = /(менеджер|оператор|жив(ой|ым) человек|позовите человека|консультант|manager|human|operator|real person|менеджерді|адаммен)/i;
const COMPLAINT =
  /(жалоб|ужасн|отвратител|обманул|обман |верните деньги|возврат денег|не работает|сломал|брак|complain|terrible|awful|refund|scam|broken|шағым|алдады)/i;
const GREETING =
  /^(привет|здравствуй\p{L}*|здрасьте|добрый (день|вечер)|доброе утро|салам|сәлем\p{L}*|салем|hello|hi|hey|good (morning|afternoon|evening))(?=$|[^\p{L}])/iu;
const HELP = /^(помощь|помоги|help|что ты умеешь|как это работает|көмек|не істей аласың)/i;
const SIMILAR = /(похож|similar|ұқсас)/i;
const RECOMMEND = /(посоветуй|порекомендуй|что-нибудь|что нибудь|рекоменд|recommend|suggest|ұсын|кеңес)/i;
const ORDINALS: Array<[RegExp, number]> = [
  [/(перв|first|бірінші|^1$)/i, 1],
  [/(втор|second|екінші|^2$)/i, 2],
  [/(трет|third|үшінші|^3$)/i, 3],
  [/(четв[её]рт|fourth|төртінші|^4$)/i, 4],
  [/(пят|fifth|бесінші|^5$)/i, 5],
];

/** The answer's first line for a search: what was found, with the filters in the shopper's words, and what was let go. */
export function searchText(s: AssistantTurn, out: SearchOutcome): string {
  const book = s.deps.phrases;
  const lang = s.lang;
  const filters = out.labels.length ? ` (${out.labels.join(', ')})` : '';
  let line: string;
  if (!out.products.length && out.notSold?.categories.length)
    line = say(book, lang, 'not_sold', { words: out.notSold.words, categories: out.notSold.categories.join(', ') });
  else if (!out.products.length) line = say(book, lang, 'found_none', { filters });
  else if (out.relaxed.length)
    line = say(book, lang, 'relaxed', {
      wanted: out.relaxed.map((r) => r.said).join(', '),
      filters,
      relaxed: out.relaxed.map((r) => say(book, lang, `relaxed_${r.what}`)).join(', '),
    });
  else line = say(book, lang, 'found', { filters });
  return out.didYouMean ? `${say(book, lang, 'did_you_mean', { words: out.didYouMean })}\n${line}` : line;
}

const INFO: StoreInfo[] = ['address', 'hours', 'delivery'];
const phraseKeys = new WeakMap<object, Map<string, string[][]>>();
/** Each intent's phrases as keys, once per lexicon. */
function intentKeys(vocabulary: Vocabulary): Map<string, string[][]> {
  const intents = vocabulary.lexicon.intents;
  let byIntent = phraseKeys.get(intents);
  if (!byIntent) phraseKeys.set(intents, (byIntent = new Map(Object.entries(intents).map(([k, ps]) => [k, ps.map(keys)]))));
  return byIntent;
}
/** Whether the words hold one of the lexicon's phrases for an intent, compared by stems («доставляете» is «доставка»'s). */
function asks(text: string, vocabulary: Vocabulary, intent: keyof Vocabulary['lexicon']['intents']): boolean {
  const said = keys(text);
  return intentKeys(vocabulary)
    .get(intent)!
    .some((p) => p.length > 0 && said.some((_, i) => p.every((k, j) => said[i + j] === k)));
}

const thanksKeys = new WeakMap<object, Set<string>>();
/**
 * The words only acknowledge what was said ("ok", «спасибо большое», «рахмет», 👍): every word
 * one of the lexicon's `thanks`, or emoji alone. Such a message needs no reply, and each reply
 * is billed. A question or a product beside them makes it a turn like any other.
 */
export function acknowledges(text: string, vocabulary: Vocabulary): boolean {
  const said = keys(text);
  if (!said.length) return /\p{Extended_Pictographic}/u.test(text) && !/[\p{L}\p{N}]/u.test(text);
  const intents = vocabulary.lexicon.intents;
  let thanks = thanksKeys.get(intents);
  if (!thanks) thanksKeys.set(intents, (thanks = new Set(intentKeys(vocabulary).get('thanks')!.flat())));
  return !/\?/.test(text) && said.every((k) => thanks.has(k));
}

export type Intent =
  | { kind: 'manager' }
  | { kind: 'info'; what: StoreInfo }
  | { kind: 'complaint' }
  | { kind: 'greeting' }
  | { kind: 'help' }
  | { kind: 'ordinal'; n: number }
  | { kind: 'similar' }
  | { kind: 'recommend' }
  | { kind: 'search' };

/** What the words ask for, by rules (also scored by the eval set). */
export function classify(text: string, vocabulary: Vocabulary): Intent {
  const t = text.trim();
  if (MANAGER.test(t) || asks(t, vocabulary, 'person')) return { kind: 'manager' };
  if (COMPLAINT.test(t)) return { kind: 'complaint' };
  if (GREETING.test(t) && t.split(/\s+/).length <= 4) return { kind: 'greeting' };
  if (HELP.test(t)) return { kind: 'help' };
  for (const what of INFO) if (asks(t, vocabulary, what)) return { kind: 'info', what };
  const words = t.toLowerCase().split(/\s+/);
  if (words.length <= 3) {
    for (const [re, n] of ORDINALS) if (words.some((w) => re.test(w))) return { kind: 'ordinal', n };
  }
  if (SIMILAR.test(t) || vocabulary.read(t).followUps.has('similar')) return { kind: 'similar' };
  if (RECOMMEND.test(t) && !extract(t, vocabulary).category) return { kind: 'recommend' };
  return { kind: 'search' };
}

/** A greeting's example request, in the shopper's language, from the store profile. */
function example(s: AssistantTurn): string {
  const list = s.profile.examples[s.lang] ?? s.profile.examples[s.profile.defaultLanguage] ?? [];
  return list.length ? list[Math.abs(hash(s.shopper)) % list.length]! : '';
}
const hash = (t: string) => [...t].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0);

/**
 * The rule-based assistant: used with no OPENAI_API_KEY and whenever the model fails, so no
 * shopper is left unanswered. It acts through the same AssistantTurn as the model's tools.
 */
export async function offlineAnswer(s: AssistantTurn, text: string, opts: { shopperName: string | null; handoffText?: string }): Promise<ReplyPlan> {
  const t = text.trim();
  const book = s.deps.phrases;
  const lang = s.lang;
  const intent = classify(t, s.vocabulary);
  // "в корзину", "ещё одну", "две штуки", "корзина", "оформить": the cart, before any search
  if (intent.kind !== 'manager' && intent.kind !== 'complaint') {
    const cart = await cartWords(s, t, intent.kind === 'ordinal' ? intent.n : undefined);
    if (cart) return cart;
  }
  switch (intent.kind) {
    case 'manager':
      await s.escalate('shopper asked for a person');
      return { text: opts.handoffText ?? say(book, lang, 'manager_handoff'), products: [] };
    case 'complaint':
      await s.escalate('complaint');
      return { text: opts.handoffText ?? say(book, lang, 'manager_handoff'), products: [] };
    case 'greeting': {
      const ex = example(s);
      return {
        text: say(book, lang, ex ? 'greeting' : 'greeting_plain', {
          name: opts.shopperName ? `, ${opts.shopperName}` : '',
          store: s.profile.name,
          example: ex,
        }),
        products: [],
      };
    }
    case 'help':
      return { text: say(book, lang, 'help'), products: [] };
    case 'info': {
      const info = s.profile.info[lang]?.[intent.what] ?? s.profile.info[s.profile.defaultLanguage]?.[intent.what];
      return { text: info ? say(book, lang, `info_${intent.what}`, { text: info.replace(/\.$/, '') }) : say(book, lang, 'info_unknown'), products: [] };
    }
    case 'ordinal': {
      const ref = s.lastShown(intent.n);
      const p = ref ? await s.product(ref.id) : null;
      if (p) return { text: '', products: [p] };
      break;
    }
    case 'similar': {
      const shown = s.recentlyShown();
      const products = await s.recommendations(shown.length ? { product_id: shown[0]! } : {});
      return { text: say(book, lang, products.length ? 'recommendations' : 'recommendations_none'), products };
    }
    case 'recommend': {
      const products = await s.recommendations();
      return { text: say(book, lang, products.length ? 'recommendations' : 'recommendations_none'), products };
    }
  }
  const variant = await s.variantAsked(t);
  if (variant) return { text: '', products: [variant] };
  const r = extract(t, s.vocabulary);
  const asks = new Set([...r.followUps].filter((f) => f !== 'similar'));
  // "cheaper?", "bigger?", "other ones?", or a bare "in black?" after products were shown
  const refinesShown = !r.category && (asks.size > 0 || (r.rest.length === 0 && Object.keys(r.filters).length > 0));
  if (refinesShown) {
    const out = await s.followUp(t, asks);
    if (out) {
      if (!out.products.length) {
        // "cheaper?" when the cheapest was already shown: say so, and show it again
        const cheapest = asks.has('cheaper') ? await s.cheapestShown() : null;
        if (cheapest) return { text: say(book, lang, 'cheapest_already'), products: [cheapest] };
        return { text: say(book, lang, 'follow_up_none'), products: [] };
      }
      return { text: searchText(s, out), products: out.products };
    }
  }
  const out = await s.search({ query: t });
  return { text: searchText(s, out), products: out.products };
}
