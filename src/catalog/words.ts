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

// Cyrillic letters drawn like Latin ones: a model code typed on a Cyrillic keyboard («а55», «х200»)
const LOOKALIKE: Record<string, string> = { а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x' };

/**
 * Words of a text: letters and digits, with a number and its unit split ("128gb" → 128 gb). A
 * model code typed in Cyrillic lookalikes, one or two letters glued to two digits or more
 * («а55»), is read in the Latin letters it shows ("a55").
 */
export function tokens(text: string): string[] {
  return (
    normalize(text)
      .replace(/(?<![\p{L}\p{N}])([авекмнорстух]{1,2})(\d{2,})(?![\p{L}\p{N}])/gu, (_, a: string, d: string) => [...a].map((c) => LOOKALIKE[c]).join('') + d)
      .replace(/(\d)(\p{L})/gu, '$1 $2')
      .replace(/(\p{L})(\d)(?=\d*(\s|$))/gu, (m, a: string, d: string) => (/[a-z]/.test(a) ? m : `${a} ${d}`))
      .match(/[$₸₽€]|[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? []
  );
}

const ru = snowball.newStemmer('russian');
const en = snowball.newStemmer('english');
// Kazakh endings (plural, possessive, case), longest first; a stem keeps at least 3 letters.
const KK_ENDINGS =
  /(лардың|лердің|дардың|дердің|тардың|тердің|ларға|лерге|дарға|дерге|тарға|терге|ларды|лерді|дарды|дерді|тарды|терді|лары|лері|дары|дері|тары|тері|лар|лер|дар|дер|тар|тер|ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|да|де|та|те|ды|ді|ты|ті|ны|ні|сы|сі|ы|і)$/;

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

// Russian letters as Latin sounds; Kazakh letters are folded to Russian first. Written here
// rather than taken from a transliteration library: the key below needs sounds, not a
// reversible spelling, and both scripts must meet on the same letters.
const LATIN: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sh',
  ъ: '',
  ы: 'i',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};
// Latin spellings of one sound, longest first: digraphs become one symbol (S = sh or ch: "ch" is
// «ш» in French names such as Chanel and «ч» in English ones, and both meet the shopper's spelling;
// Z = zh, T = ts); English "-tion" is said «шн» (PlayStation, «плейстейшн»)
const SOUNDS: Array<[RegExp, string]> = [
  [/tion/g, 'Sn'],
  [/sch|sh/g, 'S'],
  [/tch|ch/g, 'S'],
  [/zh/g, 'Z'],
  [/ts|tz/g, 'T'],
  [/kh/g, 'h'],
  [/ph/g, 'f'],
  [/th/g, 't'],
  [/gh/g, 'g'],
  [/ck/g, 'k'],
  [/qu/g, 'kv'],
  [/x/g, 'ks'],
  [/w/g, 'v'],
  [/c(?=[eiy])/g, 's'],
  [/[cq]/g, 'k'],
  [/j/g, 'dZ'],
];

/** A word in Latin letters, as it sounds («вотч» → votch); Latin words are left as they are. */
export const toLatin = (word: string) => [...fold(normalize(word))].map((c) => LATIN[c] ?? c).join('');

/**
 * How a word sounds, the same whichever script it is written in: «хуавей» and "Huawei" → hv,
 * «бош» and "Bosch" → bS, «эпл» and "Apple" → Vpl. The word's first sound (a vowel as V) and
 * its consonants, repeats merged. Brands and model words are matched across scripts by it.
 */
export function soundKey(word: string): string {
  let s = toLatin(word).replace(/[^a-z]/g, '');
  for (const [re, to] of SOUNDS) s = s.replace(re, to);
  if (!s) return '';
  const head = /[aeiouy]/.test(s[0]!) ? 'V' : s[0]!;
  return (head + s.slice(1).replace(/[aeiouy]/g, '')).replace(/(.)\1+/g, '$1');
}
