import { CartWords, type CartReading } from './cart-words.ts';
import { distance } from 'fastest-levenshtein';
import { fold, key, normalize, soundKey, toLatin, tokens, FIELDS, type Facets, type Field, type FollowUp, type LexiconData } from './ports.ts';
import { BudgetWords, type Budget } from './budget-words.ts';

/** A shopper's words read against the catalog. */
export interface Reading {
  /** Catalog values each field's words name (every spelling the catalog uses). */
  filters: Partial<Record<Field, string[]>>;
  /** The shopper's own words for each filter, for the answer ("black", «қара»). */
  said: Partial<Record<Field, string>>;
  /** Filters read from one word of a longer value ("shoes" → Running Shoes): the first to let go. */
  weak: Set<Field>;
  /** A colour or material the shopper named (their word) that the catalog does not have (a lexicon concept). */
  missing: Partial<Record<'color' | 'material', string>>;
  followUps: Set<FollowUp>;
  /** Words read as the catalog value they nearly spell («крсло» → кресла), for "did you mean". */
  corrected: Array<{ said: string; value: string }>;
  /** Words left to search for; each with its alternatives (a unit in every language). */
  rest: string[][];
  /**
   * The groups of `rest` that name the thing itself (a thing shops sell, from the lexicon, that
   * no category here names): a search never lets them go to keep a brand or a budget.
   */
  things: string[][];
  /**
   * The shopper's words for a category that are not its own name — a synonym or a lexicon
   * concept («торшер» in Освещение, «ковёр» in Декор, «шкаф купе» in Шкафы) — and a second
   * category word beside the first («диван кровать»): they rank within the category and are
   * let go without a word when no product there has them.
   */
  soft: string[][];
  budgetMax: number | null;
  budgetMin: number | null;
}

type Target =
  | { kind: 'value'; field: Field; values: string[]; weak?: boolean; soft?: boolean }
  | { kind: 'missing'; field: 'color' | 'material' }
  | { kind: 'follow'; name: FollowUp }
  | { kind: 'alt'; words: string[]; thing?: boolean }
  | { kind: 'common' };

const MAX_PHRASE = 3;
const phraseKey = (text: string) => tokens(text).map(key).join(' ');

/**
 * A store's vocabulary: the catalog's own values, and every word that names them — the values'
 * own stems, the shipped lexicon's concepts (a colour in ru, kk and en), the merchant's
 * synonyms. Its answers depend only on what it was built from (readings are cached per text);
 * rebuilt when the catalog, the lexicon or the synonyms change.
 */
export class Vocabulary {
  private readonly phrases = new Map<string, Target[]>();
  /** One-word keys of catalog values, for typo correction. */
  private valueKeys: string[] = [];
  private readonly rewrites = new Map<string, string[]>();
  /** Brands by how they sound (soundKey of each word), and the catalog's Latin words by how they sound. */
  private readonly brandSounds = new Map<string, string[]>();
  private readonly latinSounds = new Map<string, string[]>();
  /** Brands of several words by how their first word sounds, for a Cyrillic word alone. */
  private readonly brandHeads = new Map<string, string[]>();
  private readonly budgets: BudgetWords;
  private readonly cartWords: CartWords;

  constructor(
    readonly facets: Facets,
    readonly lexicon: LexiconData,
    synonyms: Record<string, string[]> = {},
  ) {
    this.cartWords = new CartWords(lexicon);
    for (const w of Object.values(lexicon.common).flat()) this.add(phraseKey(w), { kind: 'common' });
    for (const [name, ws] of Object.entries(lexicon.follow_ups)) for (const w of ws) this.add(phraseKey(w), { kind: 'follow', name: name as FollowUp });
    for (const ws of Object.values(lexicon.units)) for (const w of ws) this.add(phraseKey(w), { kind: 'alt', words: ws.map(normalize) });
    for (const ws of Object.values(lexicon.sizes)) for (const w of ws) this.add(phraseKey(w), { kind: 'common' });

    for (const field of FIELDS) {
      const byKey = new Map<string, string[]>();
      for (const { value } of facets.fields[field]) {
        for (const k of new Set(spellings(value).map(phraseKey))) if (k) byKey.set(k, [...(byKey.get(k) ?? []), value]);
      }
      for (const [k, values] of byKey) {
        this.add(k, { kind: 'value', field, values });
        const parts = k.split(' ');
        if (parts.length === 2) this.add(`${parts[1]} ${parts[0]}`, { kind: 'value', field, values });
        // one word of a longer category or brand names it too, weakly ("bags" → "Sleeping Bags")
        if (parts.length > 1 && (field === 'category' || field === 'brand'))
          for (const p of parts) if (p.length >= 3) this.add(p, { kind: 'value', field, values, weak: true });
      }
    }
    for (const { value } of facets.fields.brand) {
      const ws = tokens(value);
      const ks = ws.map(soundKey);
      if (ks.every((k) => k.length >= 2)) this.brandSounds.set(ks.join(' '), [...(this.brandSounds.get(ks.join(' ')) ?? []), value]);
      // shoppers write a long brand by its first word, in their own script («мейбелин» for Maybelline New York)
      const head = ws[0] && ws.length > 1 && ws[0].length >= 4 ? soundKey(ws[0]) : '';
      if (head.length >= 3) this.brandHeads.set(head, [...(this.brandHeads.get(head) ?? []), value]);
    }
    for (const w of facets.latinWords) {
      const k = soundKey(w);
      if (k.length >= 2) this.latinSounds.set(k, [...(this.latinSounds.get(k) ?? []), w]);
    }
    this.link('color', lexicon.colors);
    this.link('material', lexicon.materials);
    this.linkProducts(lexicon.products);
    // kinds («женские», "wireless", «игровое») search every language's words for them together
    for (const c of Object.values(lexicon.kinds)) {
      const ws = [...new Set(Object.values(c).flat().map(normalize))];
      for (const k of new Set(ws.flatMap(spellings).map(phraseKey))) if (k && !this.phrases.has(k)) this.add(k, { kind: 'alt', words: ws });
    }
    this.valueKeys = [...this.phrases.entries()]
      .filter(([k, ts]) => !k.includes(' ') && k.length >= 4 && ts.some((t) => t.kind === 'value' && !t.weak))
      .map(([k]) => k);

    for (const [target, ws] of Object.entries(synonyms)) for (const w of ws) this.rewrites.set(phraseKey(w), tokens(target));

    this.budgets = new BudgetWords(lexicon);
  }

  private add(k: string, t: Target) {
    if (!k) return;
    const list = this.phrases.get(k);
    if (list) list.push(t);
    else this.phrases.set(k, [t]);
  }

  /** A lexicon concept whose word is (or is inside) a catalog value finds every such value. */
  private link(field: 'color' | 'material', concepts: Record<string, string[]>) {
    const values = this.facets.fields[field].map((c) => ({ value: c.value, keys: ` ${phraseKey(c.value)} ` }));
    const productWords = new Set(this.facets.productWords.map(phraseKey));
    for (const ws of Object.values(concepts)) {
      const wordKeys = ws.map(phraseKey).filter(Boolean);
      const found = values.filter((v) => wordKeys.some((k) => v.keys.includes(` ${k} `))).map((v) => v.value);
      for (const k of wordKeys) {
        // the catalog's own words before the lexicon's: a word this catalog sells by («крем»
        // among creams, «шоколадный» among cakes) is a search word here, unless it is one of
        // the catalog's own values of this field
        if (productWords.has(k) && !values.some((v) => v.keys.includes(` ${k} `))) continue;
        if (found.length) this.add(k, { kind: 'value', field, values: found });
        else if (this.facets.fields[field].length) this.add(k, { kind: 'missing', field });
        else this.add(k, { kind: 'alt', words: ws.map(normalize) });
      }
    }
  }

  /**
   * The lexicon's things shops sell: a concept one of whose words is a whole category here
   * («Ноутбуки» for «ноут», «Толстовки» for "hoodie") reads all its words as that category; a
   * concept with none searches the products' names with all its words. Only whole categories
   * carry a concept: a word inside a longer one ("bag" in "Sleeping Bags") is not the concept's
   * other words ("purse"). A word the vocabulary already reads — the catalog's own, a colour, a
   * common word — keeps that meaning.
   */
  private linkProducts(concepts: LexiconData['products']) {
    // the stemmer cuts a word and its plural apart now and then («кровать» крова, «кровати»
    // кроват): a one-word category whose stem is the concept word's plus or minus one letter is it
    const oneWord = [...this.phrases.entries()].filter(
      ([k, ts]) => !k.includes(' ') && k.length >= 4 && ts.some((t) => t.kind === 'value' && t.field === 'category' && !t.weak),
    );
    const nearCategories = (k: string) =>
      k.includes(' ') || k.length < 4
        ? []
        : oneWord.filter(([c]) => c !== k && Math.abs(c.length - k.length) === 1 && (c.startsWith(k) || k.startsWith(c))).flatMap(([, ts]) => ts);
    for (const ws of Object.values(concepts).map((c) => Object.values(c).flat())) {
      const wordKeys = [...new Set(ws.flatMap(spellings).map(phraseKey).filter(Boolean))];
      const categories = new Set<string>();
      for (const k of wordKeys)
        for (const t of [...(this.phrases.get(k) ?? []), ...nearCategories(k)])
          if (t.kind === 'value' && t.field === 'category' && !t.weak) for (const v of t.values) categories.add(v);
      const target: Target = categories.size
        ? { kind: 'value', field: 'category', values: [...categories], soft: true }
        : { kind: 'alt', words: [...new Set(ws.map(normalize))], thing: true };
      for (const k of wordKeys) if (!this.phrases.has(k)) this.add(k, target);
    }
  }

  /** Whether an attribute's name measures size ("width_cm", «Ширина, см»). */
  sizeKeys(): (attribute: string) => boolean {
    const ks = this.lexicon.size_attributes.map(normalize);
    return (attribute) => {
      const a = normalize(attribute).split(/[^\p{L}]+/u);
      return ks.some((k) => a.includes(k));
    };
  }

  /**
   * Whether a word is Kazakh and not Russian: the lexicon's kazakh_words, and the Kazakh words of
   * the things shops sell («картоп», «сусабын»), as typed with or without the Kazakh letters —
   * unless so typed it is a Russian or English word of theirs.
   */
  isKazakh(word: string): boolean {
    this.kazakh ??= kazakhWords(this.lexicon);
    return this.kazakh.has(normalize(word));
  }
  private kazakh: Set<string> | undefined;

  /** Whether a single word names a catalog value (a brand, a category, a colour…). */
  knows(word: string): boolean {
    return (this.phrases.get(key(normalize(word))) ?? []).some((t) => t.kind === 'value');
  }

  /** The catalog's values of a field, most products first. */
  values(field: Field): string[] {
    return this.facets.fields[field].map((c) => c.value);
  }

  /** Budget in currency units from the words: "до 300 тысяч", "under $50", «20 мыңға дейін», «500 тенге». */
  budget(text: string): Budget {
    return this.budgets.read(text);
  }

  /** Reads a shopper's words: filters on the catalog's values, follow-ups, budget, what is left to search. */
  read(text: string): Reading {
    // a turn reads the same words several times (preferences, intent, search): read once
    const cached = this.readings.get(text);
    if (cached) return cached;
    const r = this.readFresh(text);
    if (this.readings.size >= 256) this.readings.clear();
    this.readings.set(text, r);
    return r;
  }
  /** The cart words of a message: add, view, checkout, remove, clear, "one more", and a quantity. */
  readCart(text: string): CartReading {
    return this.cartWords.read(text);
  }

  /** Readings are shared between callers: treat them as read-only. */
  private readonly readings = new Map<string, Reading>();

  /** read() without the per-text cache: what each new message costs (bench/search measures this). */
  readFresh(text: string): Reading {
    const budget = this.budget(text);
    let rest = normalize(text);
    for (const s of budget.spans) rest = rest.replace(s, ' ');
    // a hyphenated word the vocabulary does not know is read as its parts («шкаф-купе» → шкаф купе)
    const split = this.rewrite(tokens(rest)).flatMap((t) =>
      t.word.includes('-') && !this.phrases.has(key(t.word))
        ? t.word
            .split('-')
            .filter(Boolean)
            .map((w) => ({ word: w, said: w }))
        : [t],
    );
    const words = split.map((t) => t.word);
    const origin = split.map((t) => t.said);
    const ks = words.map(key);
    const r: Reading = {
      filters: {},
      said: {},
      weak: new Set(),
      missing: {},
      followUps: new Set(),
      corrected: [],
      rest: [],
      things: [],
      soft: [],
      budgetMax: budget.max,
      budgetMin: budget.min,
    };
    const weak: Array<{ field: Field; values: string[]; said: string; word: string }> = [];
    for (let i = 0; i < words.length; ) {
      let took = 0;
      for (let n = Math.min(MAX_PHRASE, words.length - i); n >= 1 && !took; n--) {
        let targets = this.phrases.get(ks.slice(i, i + n).join(' '));
        // two words the catalog writes as one («кофе машина» → Кофемашины), when they are not a phrase of their own
        if (!targets && n === 2) targets = this.joined(words[i]!, words[i + 1]!);
        if (!targets) targets = this.soundsLikeBrand(words.slice(i, i + n));
        if (!targets && n === 1) {
          const near = this.nearValue(words[i]!, ks[i]!);
          if (near) {
            targets = this.phrases.get(near);
            const t = targets?.find((x): x is Extract<Target, { kind: 'value' }> => x.kind === 'value');
            if (t) r.corrected.push({ said: words[i]!, value: t.values[0]!.toLowerCase() });
          }
        }
        if (!targets) continue;
        took = n;
        // the shopper's own words, also when a synonym stood in for them ("sofa", not «диваны»)
        const said = origin
          .slice(i, i + n)
          .filter(Boolean)
          .join(' ');
        const strong = targets.filter((t) => t.kind !== 'value' || !t.weak);
        const t = pick(strong.length ? strong : targets);
        // a synonym stood in for the words when they differ from what was read
        const rewritten = said !== words.slice(i, i + n).join(' ');
        if (t.kind === 'value' && !t.weak && !r.filters[t.field]) {
          r.filters[t.field] = t.values;
          r.said[t.field] = said;
          if (t.field === 'category' && (t.soft || rewritten)) r.soft.push([said]);
        } else if (t.kind === 'value' && !t.weak && t.field === 'category' && !t.values.some((v) => r.filters.category!.includes(v))) r.soft.push([said]);
        else if (t.kind === 'value' && t.weak)
          weak.push({
            field: t.field,
            values: targets.filter((x): x is Extract<Target, { kind: 'value' }> => x.kind === 'value' && x.field === t.field).flatMap((x) => x.values),
            said,
            word: words.slice(i, i + n).join(' '),
          });
        else if (t.kind === 'missing') r.missing[t.field] ??= said;
        else if (t.kind === 'follow') r.followUps.add(t.name);
        else if (t.kind === 'alt') {
          const group = [...new Set([words.slice(i, i + n).join(' '), ...t.words])];
          r.rest.push(group);
          if (t.thing) r.things.push(group);
        }
      }
      if (!took) {
        const w = words[i]!;
        if (w.length > 1 || /\d/.test(w)) r.rest.push([w, ...this.latinSpelling(w)]);
        took = 1;
      }
      i += took;
    }
    for (const w of weak) {
      // a word of another, longer category beside the one named is a kind of it: «игровой ноутбук»
      // (Игровые консоли) searches laptops for «игровой»
      if (r.filters[w.field]) {
        if (!w.values.some((v) => r.filters[w.field]!.includes(v))) r.rest.push([w.word]);
        continue;
      }
      r.filters[w.field] = [...new Set(w.values)];
      r.said[w.field] = w.said;
      r.weak.add(w.field);
    }
    return r;
  }

  /** A brand the words sound like in the other script («хуавей» → Huawei, "akvafor" → Аквафор); only for words of 3 letters or more. */
  private soundsLikeBrand(ws: string[]): Target[] | undefined {
    if (ws.some((w) => w.length < 3 || /\d/.test(w))) return undefined;
    const values =
      this.brandSounds.get(ws.map(soundKey).join(' ')) ??
      (ws.length === 1 && /^\p{Script=Cyrillic}+$/u.test(ws[0]!) ? this.brandHeads.get(soundKey(ws[0]!)) : undefined);
    return values ? [{ kind: 'value', field: 'brand', values }] : undefined;
  }

  /** The catalog's Latin words a Cyrillic word sounds like, of about its length («вотч» → watch). */
  private latinSpelling(w: string): string[] {
    if (w.length < 4 || !/^[\p{Script=Cyrillic}]+$/u.test(w)) return [];
    const k = soundKey(w);
    if (k.length < 2) return [];
    const len = toLatin(w).length;
    return (this.latinSounds.get(k) ?? []).filter((x) => Math.abs(x.length - len) <= 1);
  }

  /** The catalog value two adjacent words spell together, or null. */
  private joined(a: string, b: string): Target[] | undefined {
    if (/\d/.test(a + b) || a.length < 3 || b.length < 3) return undefined;
    const targets = this.phrases.get(key(a + b));
    return targets?.some((t) => t.kind === 'value') ? targets : undefined;
  }

  /**
   * The catalog value a word nearly spells: one edit away from a value's key (two for long
   * words), never for short words, numbers or words the lexicon knows.
   */
  private nearValue(word: string, k: string): string | null {
    if (word.length < 4 || /\d/.test(word) || k.length < 3) return null;
    const max = word.length <= 6 ? 1 : 2;
    let best: string | null = null;
    let bestD = max + 1;
    for (const v of this.valueKeys) {
      // a catalog word with letters added is another word («столб» is not «стол»)
      if (Math.abs(v.length - k.length) > max || (k.length > v.length && k.startsWith(v))) continue;
      const d = distance(k, v);
      if (d < bestD) {
        best = v;
        bestD = d;
      }
    }
    return best;
  }

  /** A model's argument for a field, mapped to the catalog's values like a shopper's words ("Black" → ["black"]). */
  map(field: Field, value: string): string[] {
    const exact = this.facets.fields[field].filter((c) => normalize(c.value) === normalize(value)).map((c) => c.value);
    if (exact.length) return exact;
    return this.read(value).filters[field] ?? [];
  }

  /** Merchant synonyms replace the words they name; each word keeps what the shopper said ('' for a replacement's later words). */
  private rewrite(words: string[]): Array<{ word: string; said: string }> {
    if (!this.rewrites.size) return words.map((w) => ({ word: w, said: w }));
    const out: Array<{ word: string; said: string }> = [];
    for (let i = 0; i < words.length; ) {
      let took = 0;
      for (let n = Math.min(MAX_PHRASE, words.length - i); n >= 1 && !took; n--) {
        const to = this.rewrites.get(
          words
            .slice(i, i + n)
            .map(key)
            .join(' '),
        );
        if (to) {
          const said = words.slice(i, i + n).join(' ');
          out.push(...to.map((w, j) => ({ word: w, said: j === 0 ? said : '' })));
          took = n;
        }
      }
      if (!took) {
        out.push({ word: words[i]!, said: words[i]! });
        took = 1;
      }
      i += took;
    }
    return out;
  }
}

/** A hyphenated word as shoppers also write it: «Смарт-браслеты», «смарт браслеты», «смартбраслеты». */
const spellings = (w: string) => (w.includes('-') ? [w, w.replace(/-/g, ' '), w.replace(/-/g, '')] : [w]);

function kazakhWords(lexicon: LexiconData): Set<string> {
  const words = new Set(lexicon.kazakh_words.map(normalize));
  const products = Object.values(lexicon.products);
  const other = new Set(products.flatMap((c) => [...(c.ru ?? []), ...(c.en ?? [])]).map(normalize));
  for (const w of products.flatMap((c) => c.kk ?? []).map(normalize)) {
    if (w.includes(' ')) continue;
    for (const form of [w, fold(w)]) if (!other.has(form)) words.add(form);
  }
  return words;
}

const PRIORITY: Record<Target['kind'], number> = { value: 0, missing: 1, follow: 2, alt: 3, common: 4 };
const FIELD_PRIORITY: Record<Field, number> = { category: 0, color: 1, brand: 2, style: 3, material: 4 };
const pick = (ts: Target[]) =>
  [...ts].sort(
    (a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || (a.kind === 'value' && b.kind === 'value' ? FIELD_PRIORITY[a.field] - FIELD_PRIORITY[b.field] : 0),
  )[0]!;
