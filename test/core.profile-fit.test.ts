import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitProfile, type Finds } from '../core/profile-fit.ts';
import { storeCatalogFile } from '../src/catalog/demo.ts';
import { storeVocabulary } from './helpers/store-vocabulary.ts';
import { facetsOf } from '../src/catalog/facets.ts';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { Vocabulary } from '../core/vocabulary.ts';
import { keys } from '../src/catalog/words.ts';
import { demoStoreDir, sampleStoreDir } from '../src/config.ts';
import { loadProfile } from '../src/profile/store-profile.ts';

const lexicon = loadLexicon();
const furniture = loadProfile(`${demoStoreDir()}store.yaml`);

/** The catalog port's "do these words find a product", over a store folder's catalog.json names: any word's alternative among a name's stems. */
const namesOf = (dir: string): Finds => {
  const names = (JSON.parse(readFileSync(storeCatalogFile(dir), 'utf8')) as { products: Array<{ name: string }> }).products.map((p) => new Set(keys(p.name)));
  return async (words) => names.some((n) => words.some((alts) => alts.some((a) => keys(a).every((k) => n.has(k)))));
};
const none: Finds = async () => false;

describe('a profile as the catalog bears it out (no database)', () => {
  it('every sample store’s own profile fits its catalog and is kept as written', async () => {
    for (const dir of ['furniture', 'sports', 'kids', 'electronics', 'grocery', 'beauty'].map(sampleStoreDir)) {
      const p = loadProfile(`${dir}store.yaml`);
      expect([dir, await fitProfile(p, storeVocabulary(dir), namesOf(dir))]).toEqual([dir, p]);
    }
  });

  it('the demo’s profile over another store’s catalog: what it sells and the greeting’s examples come from the catalog', async () => {
    const electronics = sampleStoreDir('electronics');
    const fitted = await fitProfile(furniture, storeVocabulary(electronics), namesOf(electronics));
    expect(fitted.sells).toBe('Наушники, Ноутбуки, Смартфоны, Стиральные машины, Телевизоры, Холодильники (Samsung, Xiaomi, Apple)');
    expect(fitted.examples).toEqual(Object.fromEntries(furniture.languages.map((l) => [l, ['наушники', 'ноутбуки', 'смартфоны']])));
    expect(fitted.name).toBe(furniture.name);
  });

  it('an empty catalog keeps the profile; a profile without examples keeps its own line on what it sells', async () => {
    expect(await fitProfile(furniture, new Vocabulary(facetsOf([], lexicon), lexicon), none)).toBe(furniture);
    const plain = { ...furniture, examples: {} };
    const fitted = await fitProfile(plain, new Vocabulary(facetsOf([{ name: 'Tent', category: 'Tents' }], lexicon), lexicon), none);
    expect(fitted.sells).toBe(furniture.sells);
    expect(fitted.examples.ru).toEqual(['tents']);
  });
});
