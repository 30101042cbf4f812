import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPhrases } from '../src/phrases.ts';
import { render } from '../core/render.ts';
import { fit, LIMITS } from '../src/whatsapp/limits.ts';
import type { Product } from '../src/catalog/catalog-repo.ts';
import { formatPrice } from '../src/catalog/money.ts';

const book = loadPhrases();
const segments = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((x) => x.segment);

// Long names mixing Cyrillic, Kazakh letters, combining accents, emoji with modifiers and ZWJ.
const piece = fc.constantFrom('Диван', ' ', 'угловой', '«Осло»', 'әңғқ', '👨‍👩‍👧', '👍🏽', 'é', 'й', '🇰🇿', 'x', '—', '\n');
const text = fc.array(piece, { minLength: 0, maxLength: 400 }).map((xs) => xs.join(''));
const product = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 40 }).map((s) => `P${s.replace(/\s/g, '_')}`),
    name: text.filter((s) => s.trim().length > 0),
    color: fc.constantFrom('серый', 'жасыл', ''),
    price: fc.integer({ min: 0, max: 10_000_000_000 }),
    stock: fc.integer({ min: 0, max: 5 }),
    imageUrl: fc.constantFrom(null, 'https://cdn.example.com/p.jpg'),
  })
  .map(
    (p): Product => ({
      description: '',
      category: 'Диваны',
      brand: '',
      style: 'лофт',
      material: '',
      oldPrice: null,
      currency: 'KZT',
      url: null,
      tags: [],
      attributes: {},
      ...p,
    }),
  );

describe('rendering always fits WhatsApp limits', () => {
  it('fit() never splits a grapheme and never exceeds the limit', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 2, max: 100 }), (s, max) => {
        const out = fit(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        const kept = out.endsWith('…') ? out.slice(0, -1) : out;
        const clean = s.replace(/\s+/g, (w) => (w.includes('\n') ? w : ' ')).trim();
        // every grapheme of the output is a whole grapheme of the input
        expect(clean.startsWith(kept) || clean.startsWith(kept.trimEnd())).toBe(true);
        const cut = segments(kept).join('');
        expect(segments(clean).join('').startsWith(cut)).toBe(true);
        if (kept.length && kept.length < clean.length) expect(segments(clean.slice(0, kept.length)).at(-1)).toBe(segments(kept).at(-1));
      }),
      { numRuns: 500 },
    );
  });

  it('any plan renders into messages within every limit', () => {
    fc.assert(
      fc.property(text, fc.array(product, { maxLength: 14 }), fc.constantFrom('ru', 'kk', 'en' as const), (t, products, lang) => {
        const unique = [...new Map(products.map((p) => [p.id, p])).values()];
        for (const m of render({ text: t, products: unique }, lang, book) as any[]) {
          if (m.type === 'text') {
            expect(m.text.body.length).toBeLessThanOrEqual(LIMITS.textBody);
            expect(m.text.body.length).toBeGreaterThan(0);
          }
          if (m.type === 'image') expect(m.image.caption.length).toBeLessThanOrEqual(LIMITS.caption);
          if (m.type === 'interactive') {
            const i = m.interactive;
            expect(i.body.text.length).toBeLessThanOrEqual(LIMITS.interactiveBody);
            if (i.type === 'list') {
              expect(i.action.button.length).toBeLessThanOrEqual(LIMITS.listButton);
              const rows = i.action.sections.flatMap((s: any) => s.rows);
              expect(rows.length).toBeLessThanOrEqual(LIMITS.listRows);
              expect(rows.length).toBeGreaterThanOrEqual(2);
              for (const r of rows) {
                expect(r.id.length).toBeLessThanOrEqual(LIMITS.rowId);
                expect(r.title.length).toBeLessThanOrEqual(LIMITS.rowTitle);
                expect(r.title.length).toBeGreaterThan(0);
                expect(r.description.length).toBeLessThanOrEqual(LIMITS.rowDescription);
              }
              for (const s of i.action.sections) expect(s.title.length).toBeLessThanOrEqual(LIMITS.sectionTitle);
            }
            if (i.type === 'button') {
              expect(i.action.buttons.length).toBeLessThanOrEqual(LIMITS.buttons);
              const titles = i.action.buttons.map((b: any) => b.reply.title);
              expect(new Set(titles).size).toBe(titles.length);
              for (const t2 of titles) expect(t2.length).toBeLessThanOrEqual(LIMITS.buttonTitle);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a list row shows the price in the store currency first', () => {
    const p = {
      id: 'ZT-1',
      name: 'Диван угловой «Осло» серый велюр',
      color: 'серый',
      price: 14999000,
      stock: 2,
      imageUrl: null,
      description: '',
      category: 'Диваны',
      brand: '',
      style: '',
      material: '',
      oldPrice: null,
      currency: 'KZT',
      url: null,
      tags: [],
      attributes: {},
    } satisfies Product;
    const [list] = render({ text: 'Вот:', products: [p, { ...p, id: 'ZT-2', stock: 0 }] }, 'ru', book) as any[];
    expect(list.interactive.action.sections[0].rows).toEqual([
      { id: 'ZT-1', title: 'Диван угловой «Осло» се…', description: '149\u00a0990\u00a0₸ · серый' },
      { id: 'ZT-2', title: 'Диван угловой «Осло» се…', description: '149\u00a0990\u00a0₸ · серый · нет в наличии' },
    ]);
    expect(formatPrice(14999050, 'KZT')).toBe('149\u00a0990,50\u00a0₸');
    // Intl per language, minor units from the currency itself
    expect(formatPrice(3499, 'USD', 'en')).toBe('$34.99');
    expect(formatPrice(3400, 'USD', 'en')).toBe('$34');
    expect(formatPrice(14999000, 'KZT', 'en')).toBe('₸149,990');
    expect(formatPrice(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(formatPrice(1500, 'KWD', 'en')).toBe('KWD\u00a01.500');
  });

  it('a price never wraps inside itself: every space in it, in every language and currency, is a no-break space', () => {
    const currency = fc.constantFrom('KZT', 'RUB', 'USD', 'EUR', 'KGS', 'UZS', 'JPY', 'KWD', 'CHF', 'XXX');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), currency, fc.constantFrom('ru', 'kk', 'en') as fc.Arbitrary<'ru' | 'kk' | 'en'>, (minor, cur, lang) => {
        const price = formatPrice(minor, cur, lang);
        expect(price).not.toMatch(/[ \t\u2000-\u200b\u202f\u205f\u3000]/);
      }),
    );
    expect(formatPrice(28798000, 'KZT', 'kk')).toBe('287\u00a0980\u00a0₸');
  });

  it('one product with an image is one billed message: a reply-button message with the picture as its image header, the card as its body', () => {
    const p = {
      id: 'ZT-9',
      name: 'Кресло',
      color: 'зелёный',
      price: 8999000,
      oldPrice: 9999000,
      stock: 1,
      imageUrl: 'https://cdn.example.com/zt9.jpg',
      description: '',
      category: 'Кресла',
      brand: '',
      style: 'лофт',
      material: 'велюр',
      currency: 'KZT',
      url: 'https://shop/zt9',
      tags: [],
      attributes: {},
    } satisfies Product;
    const card = {
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'image', image: { link: 'https://cdn.example.com/zt9.jpg' } },
        body: { text: '*Кресло*\n89\u00a0990\u00a0₸ ~99\u00a0990\u00a0₸~\nзелёный · лофт · велюр\nв наличии\nhttps://shop/zt9' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'cart+:ZT-9', title: '🛒 В корзину' } },
            { type: 'reply', reply: { id: 'alert:ZT-9', title: '🔔 Следить за ценой' } },
            { type: 'reply', reply: { id: 'similar:ZT-9', title: 'Похожие' } },
          ],
        },
      },
    };
    expect(render({ text: '', products: [p] }, 'ru', book)).toEqual([card]);
    // the turn's words go above the card in the same message
    const [withWords] = render({ text: 'Нашёл одно:', products: [p] }, 'ru', book) as any[];
    expect(render({ text: 'Нашёл одно:', products: [p] }, 'ru', book)).toHaveLength(1);
    expect(withWords.interactive.body.text).toBe(`Нашёл одно:\n\n${card.interactive.body.text}`);
    // words too long to share the body with the card come first, on their own
    const long = 'слово '.repeat(200).trim();
    const two = render({ text: long, products: [p] }, 'ru', book) as any[];
    expect(two.map((m) => m.type)).toEqual(['text', 'interactive']);
    expect(two[1]).toEqual(card);
    // a product without a picture: the same message without a header
    const [plain] = render({ text: '', products: [{ ...p, imageUrl: null }] }, 'ru', book) as any[];
    expect(plain.interactive.header).toBeUndefined();
  });
});
