import { describe, expect, it } from 'vitest';
import type { ContextEntry } from '../core/memory.ts';
import { offlineAnswer } from '../core/offline-assistant.ts';
import type { Catalog, Effect, Turn } from '../core/ports.ts';
import { AssistantTurn } from '../core/assistant-turn.ts';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { TEMPLATES_DIR } from '../src/config.ts';
import { loadPhrases } from '../src/phrases.ts';
import { loadProfile } from '../src/profile/store-profile.ts';
import { memoryCatalog, memoryVocabulary } from './helpers/memory-catalog.ts';

/**
 * The assistant's decisions — reading words against the vocabulary, letting filters go,
 * follow-ups — over the catalog port in memory: no database. What the database adapter itself
 * does (stemming, typo correction, variants) is tested on Postgres and PGlite elsewhere.
 */
const lexicon = loadLexicon();
const phrases = loadPhrases();
const profile = {
  ...loadProfile(`${TEMPLATES_DIR}store.yaml`),
  name: 'Спорт и техника',
  currency: 'KZT',
  languages: ['ru' as const, 'kk' as const, 'en' as const],
};

const rows = [
  { name: 'Кроссовки Nike Air Max женские', category: 'Кроссовки', brand: 'Nike', price: 60000, attributes: { Пол: 'Женский' } },
  { name: 'Кроссовки Nike Pegasus 40', category: 'Кроссовки', brand: 'Nike', price: 55000, attributes: { Пол: 'Мужской' } },
  { name: 'Кроссовки Adidas Runfalcon', category: 'Кроссовки', brand: 'Adidas', price: 30000 },
  { name: 'Шорты Adidas Own the Run', category: 'Одежда', brand: 'Adidas', price: 15000 },
  { name: 'Футболка Nike Dri-FIT', category: 'Одежда', brand: 'Nike', price: 12000 },
  { name: 'Мышь Logitech M185 беспроводная', category: 'Компьютерные мыши', brand: 'Logitech', price: 8000 },
  { name: 'Мышь Logitech B100', category: 'Компьютерные мыши', brand: 'Logitech', price: 3000 },
  { name: 'Ноутбук Lenovo IdeaPad 3', category: 'Ноутбуки', brand: 'Lenovo', price: 250000 },
  { name: 'Ноутбук ASUS TUF Gaming F15', category: 'Ноутбуки', brand: 'ASUS', price: 450000 },
];
const { catalog, products } = memoryCatalog(rows);
const vocabulary = memoryVocabulary(rows, lexicon);
const byName = (name: string) => products.find((p) => p.name === name)!;

/** A turn as core sees it, over the memory catalog: effects are collected, never run. */
function session(history: ContextEntry[] = [], over: Catalog = catalog, words = vocabulary) {
  const effects: Effect[] = [];
  const turn = {
    message: { wamid: 'wamid.1', type: 'text', text: '', replyId: null },
    shopper: { key: 'shopper-1', name: null, language: 'ru', preferences: null, checkout: null },
    services: {
      catalog: over,
      vocabulary: { current: () => words },
      profile: { current: () => profile },
      clock: { now: () => new Date('2026-12-06T10:00:00Z') },
    },
    log: { info() {}, warn() {}, error() {}, debug() {} },
    language: 'ru',
    effect(fn: Effect) {
      effects.push(fn);
      return this;
    },
    event() {
      return this;
    },
    rememberLanguage() {
      return this;
    },
    rememberPreferences() {
      return this;
    },
    afterCommit() {
      return this;
    },
    key: (kind: string, n?: number | string) => `wamid.1:${kind}:${n ?? 0}`,
    reply() {
      return this;
    },
    replyText() {
      return this;
    },
  } as unknown as Turn;
  return new AssistantTurn(turn, { phrases, profile }, 'ru', { budgetMax: null, budgetMin: null, colors: [], styles: [], categories: [] } as never, history);
}
const names = (ps: Array<{ name: string }>) => ps.map((p) => p.name);
const shown = (...ns: string[]): ContextEntry => ({ role: 'assistant', text: '', shown: ns.map((n) => ({ id: byName(n).id, name: n })) });

describe('the assistant’s decisions over the catalog port (no database)', () => {
  it('a thing the store does not sell, with a budget: no products, the budget let go first, and the store’s categories named', async () => {
    const out = await session().search({ query: 'холодильник до 150 тысяч' });
    expect(out.products).toEqual([]);
    expect(out.notSold).toEqual({ words: 'холодильник', categories: ['Кроссовки', 'Компьютерные мыши', 'Ноутбуки', 'Одежда'] });
  });

  it('a thing over its budget: the budget goes, the thing stays', async () => {
    const out = await session().search({ query: 'ноутбук до 100 тысяч' });
    expect(names(out.products)).toEqual(['Ноутбук Lenovo IdeaPad 3', 'Ноутбук ASUS TUF Gaming F15']);
    expect(out.relaxed.map((r) => r.what)).toEqual(['budget']);
  });

  it('a brand with a thing it does not make («найк шорты»): the brand goes, never the thing — no Nike shoes or shirts', async () => {
    const out = await session().search({ query: 'найк шорты' });
    expect(names(out.products)).toEqual(['Шорты Adidas Own the Run']);
    expect(out.relaxed).toEqual([{ what: 'brand', said: 'найк' }]);
  });

  it('a kind beside the category filters by it in any of its words («женские» finds Пол: Женский; «игровой» finds Gaming; «беспроводная мышь»)', async () => {
    expect(names((await session().search({ query: 'женские кроссовки' })).products)).toEqual(['Кроссовки Nike Air Max женские']);
    expect(names((await session().search({ query: 'мужские кроссовки' })).products)).toEqual(['Кроссовки Nike Pegasus 40']);
    expect(names((await session().search({ query: 'игровой ноутбук' })).products)).toEqual(['Ноутбук ASUS TUF Gaming F15']);
    expect(names((await session().search({ query: 'беспроводная мышь' })).products)).toEqual(['Мышь Logitech M185 беспроводная']);
  });

  it('a kind no product has is let go and said, the category kept («детские кроссовки»)', async () => {
    const out = await session().search({ query: 'детские кроссовки' });
    expect(names(out.products)).toEqual(['Кроссовки Adidas Runfalcon', 'Кроссовки Nike Pegasus 40', 'Кроссовки Nike Air Max женские']);
    expect(out.relaxed).toEqual([{ what: 'words', said: 'детские' }]);
  });

  it('a second category word beside the first ranks within it («диван кровать» → Диван-кровать), and is let go without a word when nothing has it', async () => {
    const rows = [
      { name: 'Диван угловой Осло', category: 'Диваны', price: 300000 },
      { name: 'Диван-кровать Верона', category: 'Диваны', price: 400000 },
      { name: 'Кровать двуспальная Сон', category: 'Кровати', price: 200000 },
    ];
    const shop = memoryCatalog(rows);
    const v = memoryVocabulary(rows, lexicon);
    const s = session([], shop.catalog, v);
    const out = await s.search({ query: 'диван кровать' });
    expect(names(out.products)).toEqual(['Диван-кровать Верона']);
    const other = await s.search({ query: 'кровать диван' });
    expect(names(other.products)).toEqual(['Кровать двуспальная Сон']);
    expect(other.relaxed).toEqual([]);
  });

  it('a merchant’s synonym for a category ranks its word within it, also after other words were let go («бра в спальню»); a thing beside a category is what it is for («стеллаж для книг»)', async () => {
    const rows = [
      { name: 'Люстра Сол', category: 'Освещение', price: 30000 },
      { name: 'Бра Луна', category: 'Освещение', price: 20000 },
      { name: 'Стеллаж Лофт', category: 'Стеллажи', price: 50000 },
    ];
    const shop = memoryCatalog(rows);
    const s = session([], shop.catalog, memoryVocabulary(rows, lexicon, { Освещение: ['бра', 'люстра'] }));
    const lamp = await s.search({ query: 'бра в спальню' });
    expect(names(lamp.products)).toEqual(['Бра Луна']);
    expect(lamp.relaxed).toEqual([{ what: 'words', said: 'спальню' }]);
    const shelf = await s.search({ query: 'стеллаж для книг' });
    expect(names(shelf.products)).toEqual(['Стеллаж Лофт']);
    expect(shelf.relaxed.map((r) => r.what)).toEqual(['words']);
  });

  it('«а подешевле?» when the cheapest was already shown: says so and shows the cheapest again', async () => {
    const s = session([
      { role: 'user', text: 'кроссовки' },
      shown('Кроссовки Adidas Runfalcon', 'Кроссовки Nike Pegasus 40', 'Кроссовки Nike Air Max женские'),
    ]);
    const plan = await offlineAnswer(s, 'а подешевле?', { shopperName: null });
    expect(plan.text).toBe(phrases.ru.cheapest_already);
    expect(names(plan.products)).toEqual(['Кроссовки Adidas Runfalcon']);
  });

  it('«второй» after a price-alert dialog means the last list shown', async () => {
    const s = session([
      shown('Ноутбук Lenovo IdeaPad 3', 'Ноутбук ASUS TUF Gaming F15'),
      { role: 'user', text: 'следить за ценой' },
      { role: 'assistant', text: 'Как следить за ценой?' },
    ]);
    const plan = await offlineAnswer(s, 'второй', { shopperName: null });
    expect(names(plan.products)).toEqual(['Ноутбук ASUS TUF Gaming F15']);
  });

  it('"more like this" after a card searches like the card: its category, most words of its name first, never the card', async () => {
    const s = session([shown('Кроссовки Nike Air Max женские')]);
    const plan = await offlineAnswer(s, 'покажи похожие', { shopperName: null });
    expect(names(plan.products)).toEqual(['Кроссовки Nike Pegasus 40', 'Кроссовки Adidas Runfalcon']);
    const laptop = await session([shown('Ноутбук Lenovo IdeaPad 3')]).recommendations({ product_id: byName('Ноутбук Lenovo IdeaPad 3').id });
    expect(names(laptop)).toEqual(['Ноутбук ASUS TUF Gaming F15']);
  });
});
