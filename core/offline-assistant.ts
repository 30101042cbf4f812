import { extract } from './extract.ts';
import { say } from './phrases.ts';
import type { ReplyPlan } from './render.ts';
import type { Session } from './session.ts';
import { MINOR, formatPrice } from './ports.ts';
import type { Vocabulary } from './ports.ts';

const MANAGER = /(менеджер|оператор|жив(ой|ым) человек|позовите человека|консультант|manager|human|operator|real person|менеджерді|адаммен)/i;
const COMPLAINT = /(жалоб|ужасн|отвратител|обманул|обман |верните деньги|возврат денег|не работает|сломал|брак|complain|terrible|awful|refund|scam|broken|шағым|алдады)/i;
const GREETING = /^(привет|здравствуй\p{L}*|здрасьте|добрый (день|вечер)|доброе утро|салам|сәлем\p{L}*|салем|hello|hi|hey|good (morning|afternoon|evening))(?=$|[^\p{L}])/iu;
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

/** Describes the filters a search used, for the answer text: " (серый, Диваны, до 300 000 ₸)". */
export function filtersText(text: string, session: Session, currency: string): string {
  const ex = extract(text, session.vocabulary);
  const budget = ex.budgetMax ?? session.prefs.budgetMax;
  const parts = [ex.color, ex.category?.toLowerCase(), ex.style, budget ? `≤ ${formatPrice(budget * MINOR, currency)}` : null].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export type Intent =
  | { kind: 'manager' }
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
  if (MANAGER.test(t)) return { kind: 'manager' };
  if (COMPLAINT.test(t)) return { kind: 'complaint' };
  if (GREETING.test(t) && t.split(/\s+/).length <= 4) return { kind: 'greeting' };
  if (HELP.test(t)) return { kind: 'help' };
  const words = t.toLowerCase().split(/\s+/);
  if (words.length <= 3) {
    for (const [re, n] of ORDINALS) if (words.some((w) => re.test(w))) return { kind: 'ordinal', n };
  }
  if (SIMILAR.test(t)) return { kind: 'similar' };
  if (RECOMMEND.test(t) && !extract(t, vocabulary).category) return { kind: 'recommend' };
  return { kind: 'search' };
}

/**
 * The rule-based assistant: used with no OPENAI_API_KEY and whenever the model fails, so no
 * shopper is left unanswered. It acts through the same Session as the model's tools.
 */
export async function offlineAnswer(s: Session, text: string, opts: { storeName: string; currency: string; shopperName: string | null; handoffText?: string }): Promise<ReplyPlan> {
  const t = text.trim();
  const book = s.deps.phrases;
  const lang = s.lang;
  const intent = classify(t, s.vocabulary);
  switch (intent.kind) {
    case 'manager':
      await s.escalate('shopper asked for a person');
      return { text: opts.handoffText ?? say(book, lang, 'manager_handoff'), products: [] };
    case 'complaint':
      await s.escalate('complaint');
      return { text: opts.handoffText ?? say(book, lang, 'manager_handoff'), products: [] };
    case 'greeting':
      return { text: say(book, lang, 'greeting', { name: opts.shopperName ? `, ${opts.shopperName}` : '', store: opts.storeName }), products: [] };
    case 'help':
      return { text: say(book, lang, 'help'), products: [] };
    case 'ordinal': {
      const ref = s.lastShown(intent.n);
      const p = ref ? await s.product(ref.id) : null;
      if (p) return { text: '', products: [p] };
      break;
    }
    case 'similar': {
      const anchor = s.lastShown(1);
      const products = await s.recommendations(anchor ? { product_id: anchor.id } : {});
      return { text: say(book, lang, products.length ? 'recommendations' : 'recommendations_none'), products };
    }
    case 'recommend': {
      const products = await s.recommendations();
      return { text: say(book, lang, products.length ? 'recommendations' : 'recommendations_none'), products };
    }
  }
  const result = await s.search({ query: t });
  const filters = filtersText(t, s, opts.currency);
  const lines = [say(book, lang, result.products.length ? 'found' : 'found_none', { filters })];
  if (result.didYouMean) lines.unshift(say(book, lang, 'did_you_mean', { words: result.didYouMean }));
  return { text: lines.join('\n'), products: result.products };
}
