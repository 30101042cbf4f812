import snowball from 'snowball-stemmers';

/**
 * Word forms: the one place a shopper's word and a catalog's word are brought to the same key.
 * normalize: lowercase, ё → е, Latin diacritics dropped (é → e), NFC. fold: Kazakh letters to
 * their nearest Russian ones (қ → к, ә → а …), so «кара» typed without the Kazakh keyboard
 * meets «қара». key: the stem of the folded word (Snowball Russian for Cyrillic, English for
 * Latin, Kazakh case and plural endings trimmed first), used for every comparison.
 */

const KAZAKH: Record<string, string> = { ә: 'а', ғ: 'г', қ: 'к', ң: 'н', ө: 'о', ұ: 'у', ү: 'у', һ: 'х', і: 'и' };

export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[a-z\u00c0-\u024f]+/giu, (w) => w.normalize('NFD').replace(/[\u0300-\u036f]/g, ''))
    .normalize('NFC');
}

export const fold = (w: string) => w.replace(/[әғқңөұүһі]/g, (c) => KAZAKH[c]!);

/** Words of a text: letters and digits, with a number and its unit split ("128gb" → 128 gb). */
export function tokens(text: string): string[] {
  return (
    normalize(text)
      .replace(/(\d)(\p{L})/gu, '$1 $2')
      .replace(/(\p{L})(\d)(?=\d*(\s|$))/gu, (m, a: string, d: string) => (/[a-z]/.test(a) ? m : `${a} ${d}`))
      .match(/[$₸₽€]|[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? []
  );
}

const ru = snowball.newStemmer('russian');
const en = snowball.newStemmer('english');
// Kazakh endings (plural, possessive, case), longest first; a stem keeps at least 3 letters.
const KK_ENDINGS = /(лардың|лердің|дардың|дердің|тардың|тердің|ларға|лерге|дарға|дерге|тарға|терге|ларды|лерді|дарды|дерді|тарды|терді|лары|лері|дары|дері|тары|тері|лар|лер|дар|дер|тар|тер|ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|да|де|та|те|ды|ді|ты|ті|ны|ні|сы|сі|ы|і)$/;

const cache = new Map<string, string>();

/** The comparison key of one normalized word. */
export function key(word: string): string {
  let k = cache.get(word);
  if (k !== undefined) return k;
  if (/\d/.test(word) || word.length < 3) k = fold(word);
  else if (/[a-z]/.test(word)) k = en.stem(word);
  else {
    const trimmed = /[әғқңөұүһі]/.test(word) ? word.replace(KK_ENDINGS, '') : word;
    k = ru.stem(fold(trimmed.length >= 3 ? trimmed : word));
  }
  if (cache.size > 50_000) cache.clear();
  cache.set(word, k);
  return k;
}

/** The keys of a text, in order. */
export const keys = (text: string) => tokens(text).map(key);
