import type { Profile } from './ports.ts';
import type { Vocabulary } from './vocabulary.ts';

/** Whether words find any product of the catalog (the catalog's search, or a list in a test). */
export type Finds = (words: string[][]) => Promise<boolean>;

/**
 * The profile as the catalog bears it out. store.yaml's `sells` and greeting examples are
 * written for one catalog, and a store that has not written its own speaks with another's
 * («серый диван до 300 тысяч» in a shop of phones). When none of the examples finds anything in
 * the catalog now held (a category or brand of it, or products by their words), both are
 * computed from it: its largest categories, and its largest brands. With no examples at all,
 * the examples are computed, and `sells` too when store.yaml leaves it empty (templates/store.yaml,
 * the profile of a store without its own). An empty catalog keeps the profile's words.
 */
export async function fitProfile(profile: Profile, vocabulary: Vocabulary, finds: Finds): Promise<Profile> {
  const categories = vocabulary.values('category').slice(0, 6);
  if (!vocabulary.facets.products || !categories.length) return profile;
  const brands = vocabulary.values('brand').slice(0, 3);
  const sells = `${categories.join(', ')}${brands.length ? ` (${brands.join(', ')})` : ''}`;
  const examples = Object.values(profile.examples).flat();
  for (const e of examples) {
    const r = vocabulary.read(e);
    if (r.filters.category?.length || r.filters.brand?.length || (r.rest.length && (await finds(r.rest))))
      return profile.sells ? profile : { ...profile, sells };
  }
  const computed = categories.slice(0, 3).map((c) => c.toLowerCase());
  return {
    ...profile,
    sells: examples.length || !profile.sells ? sells : profile.sells,
    examples: Object.fromEntries(profile.languages.map((l) => [l, computed])),
  };
}

/** fitProfile once per profile and catalog vocabulary (each is a new object when it changes). */
export class FittedProfiles {
  private readonly cache = new WeakMap<Vocabulary, WeakMap<Profile, Promise<Profile>>>();

  get(profile: Profile, vocabulary: Vocabulary, finds: Finds): Promise<Profile> {
    let byProfile = this.cache.get(vocabulary);
    if (!byProfile) this.cache.set(vocabulary, (byProfile = new WeakMap()));
    let fitted = byProfile.get(profile);
    if (!fitted) {
      fitted = fitProfile(profile, vocabulary, finds);
      // a failed search (the database away) is tried again on the next turn
      fitted.catch(() => byProfile!.delete(profile));
      byProfile.set(profile, fitted);
    }
    return fitted;
  }
}
