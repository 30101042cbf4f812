import { key, tokens, type CartWord, type LexiconData } from './ports.ts';

/** What a message says about the cart: an action, a quantity, and how many other words it has. */
export interface CartReading {
  action: CartWord | null;
  /** "2 шт", "две штуки", "2 pcs", «екі дана»; a bare number is not a quantity (it may be "the second one"). */
  quantity: number | null;
  /** Words that are neither cart words nor the quantity: a message with many is a search. */
  others: string[];
}

const MAX_PHRASE = 4;
const phraseKey = (text: string) => tokens(text).map(key).join(' ');

/**
 * The lexicon's cart words (`cart:` and `numbers:` in templates/lexicon.yaml) read by stem, so
 * «корзину», «корзине» and "cart" meet their phrase. Longer phrases win ("очистить корзину" is
 * clear, not view). Number words are compared as written, not by stem: the Kazakh «төрт» (4)
 * folds onto «торт», «семь» shares its stem with «семена», and «добавь торт» is a cake, not four
 * of something.
 */
export class CartWords {
  private readonly phrases = new Map<string, CartWord | 'unit' | 'more_with'>();
  private readonly numbers = new Map<string, number>();
  private readonly common = new Set<string>();

  constructor(lexicon: LexiconData) {
    for (const [action, ws] of Object.entries(lexicon.cart))
      for (const w of ws) this.phrases.set(phraseKey(w), action === 'units' ? 'unit' : (action as CartWord | 'more_with'));
    for (const w of Object.values(lexicon.common).flat()) this.common.add(phraseKey(w));
    for (const [n, ws] of Object.entries(lexicon.numbers)) for (const w of ws) this.numbers.set(tokens(w).join(' '), Number(n));
  }

  read(text: string): CartReading {
    const ws = tokens(text);
    const ks = ws.map(key);
    let action: CartWord | null = null;
    let quantity: number | null = null;
    let pending: number | null = null;
    // «ещё», "another": "one more" only when a quantity follows («ещё две»); alone they are a search word («ещё диваны»)
    let moreWith = false;
    const others: string[] = [];
    for (let i = 0; i < ks.length; ) {
      let took = 0;
      for (let n = Math.min(MAX_PHRASE, ks.length - i); n >= 1 && !took; n--) {
        const k = ks.slice(i, i + n).join(' ');
        const written = ws.slice(i, i + n).join(' ');
        const hit = this.phrases.get(k);
        if (hit === 'more_with') {
          moreWith = true;
          took = n;
        } else if (hit === 'unit') {
          if (pending !== null) quantity = pending;
          else quantity ??= 1;
          pending = null;
          took = n;
        } else if (hit) {
          // a longer phrase already read wins; "one more" reads as more even though "one" is a number
          if (!action || action === 'view' || action === 'add') action = action === 'view' && hit === 'add' ? 'add' : hit;
          took = n;
        } else if (this.numbers.has(written) || (n === 1 && /^\d{1,3}$/.test(k))) {
          pending = this.numbers.get(written) ?? Number(k);
          took = n;
        }
      }
      if (!took) {
        if (!this.common.has(ks[i]!)) others.push(ks[i]!);
        took = 1;
      }
      i += took;
    }
    if (moreWith && (quantity !== null || pending !== null)) action ??= 'more';
    else if (moreWith && !action) others.push('more');
    // "ещё две", "add 2": a number beside a cart word is a quantity too
    if (quantity === null && pending !== null && action && action !== 'view' && action !== 'clear') quantity = pending;
    return { action, quantity, others };
  }
}
