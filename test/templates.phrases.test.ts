import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPhrases, say } from '../src/phrases.ts';
import { loadComplements } from '../src/catalog/recommendations.ts';
import { TemplateError } from '../src/errors.ts';
import { demoStoreDir } from '../src/config.ts';

const tmp = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'vt-yaml-')), name);
  writeFileSync(file, text);
  return file;
};

describe('YAML the merchandisers edit', () => {
  it('the shipped phrase book has every key in ru, kk and en', () => {
    const book = loadPhrases();
    expect(Object.keys(book.kk).sort()).toEqual(Object.keys(book.ru).sort());
    expect(say(book, 'en', 'alert_set', { name: 'Sofa', target: '100 ₸' })).toBe('Done! I\'ll tell you when "Sofa" costs 100 ₸ or less.');
  });

  it('a broken file names file:line:col', () => {
    const file = tmp('phrases.yaml', 'ru:\n  greeting: "unclosed\nkk: {}\n');
    expect(() => loadPhrases(file)).toThrow(TemplateError);
    expect(() => loadPhrases(file)).toThrow(new RegExp(`^${file}:\\d+:\\d+: `));
  });

  it('a phrase missing in one language is named', () => {
    const file = tmp('phrases.yaml', 'ru:\n  a: "1"\n  b: "2"\nkk:\n  a: "1"\nen:\n  a: "1"\n  b: "2"\n');
    expect(() => loadPhrases(file)).toThrow('missing phrases: kk.b');
  });

  it('complements load, and a wrong shape is refused', () => {
    expect(loadComplements(`${demoStoreDir()}recommendations.yaml`).Диваны).toContain('Столы');
    expect(() => loadComplements(tmp('r.yaml', 'complements:\n  Диваны: Столы\n'))).toThrow(/complements\.Диваны/);
  });
});
