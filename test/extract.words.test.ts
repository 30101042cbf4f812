import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extract } from '../core/extract.ts';
import { detectLanguage } from '../core/language.ts';
import { classify } from '../core/offline-assistant.ts';
import { loadVocabulary } from '../src/catalog/vocabulary.ts';

const vocabulary = loadVocabulary();

describe('reading the shopper’s words without a model', () => {
  it.each([
    ['хочу серый диван до 300 тысяч', { budgetMax: 300000, color: 'серый', category: 'Диваны', rest: '' }],
    ['до 1,5 млн чёрный стол', { budgetMax: 1500000, color: 'чёрный', category: 'Столы' }],
    ['кресло от 50 000 до 120 000', { budgetMin: 50000, budgetMax: 120000, category: 'Кресла' }],
    ['150 мың теңгеге дейін жасыл кресло', { budgetMax: 150000, color: 'зелёный', category: 'Кресла' }],
    ['grey sofa under 200k', { budgetMax: 200000, color: 'серый', category: 'Диваны' }],
    ['угловой диван велюр', { category: 'Диваны', rest: 'угловой велюр', budgetMax: null }],
    ['стулья', { category: 'Стулья' }],
    ['стол', { category: 'Столы' }],
  ])('%s', (text, expected) => {
    expect(extract(text, vocabulary)).toMatchObject(expected);
  });

  it.each([
    ['Сәлем, маған диван керек', 'kk'],
    ['маған диван керек', 'kk'],
    ['хочу диван', 'ru'],
    ['I need a sofa', 'en'],
    ['👍', 'ru'],
  ])('language of "%s" is %s', (text, lang) => {
    expect(detectLanguage(text, 'ru')).toBe(lang);
  });

  it('the eval set covers ru, kk and en with at least 60 utterances, and the rules classify the hand-off ones', () => {
    const cases = JSON.parse(readFileSync(new URL('./eval/utterances.json', import.meta.url), 'utf8')) as Array<{ lang: string; text: string; tool: string }>;
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.lang))).toEqual(new Set(['ru', 'kk', 'en']));
    for (const c of cases.filter((x) => x.tool === 'escalate_to_manager')) expect(classify(c.text, vocabulary).kind).toBe('manager');
  });
});

describe('the store’s vocabulary comes from data, not code', () => {
  it('another store’s file teaches extract its own categories and colours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vocab-'));
    const file = join(dir, 'vocabulary.yaml');
    writeFileSync(file, 'categories:\n  Laptops: [laptop, notebook, ноутбук]\n  Phones: [phone, смартфон, телефон]\ncolors:\n  Space Grey: [grey, gray, сер]\n');
    const shop = loadVocabulary(file);
    expect(extract('grey laptop under 500k', shop)).toMatchObject({ category: 'Laptops', color: 'Space Grey', budgetMax: 500000, rest: '' });
    expect(extract('хочу серый ноутбук', shop)).toMatchObject({ category: 'Laptops', color: 'Space Grey' });
    expect(extract('серый диван', shop)).toMatchObject({ category: null, rest: 'диван' });
  });

  it('a word may match whole only, and a word may be excluded', () => {
    expect(extract('ақ шкаф', vocabulary).color).toBe('белый');
    expect(extract('ақша шкаф', vocabulary).color).toBeNull();
    expect(extract('столб', vocabulary).category).toBeNull();
    expect(extract('столик', vocabulary).category).toBe('Столы');
  });
});
