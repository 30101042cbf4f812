import { decodeHTML } from 'entities';
import { SaxesParser } from 'saxes';
import { declaredEncoding, saxesReason } from './commerceml.ts';
import { collectPass, IMPORT_BATCH, type CatalogItem, type CatalogPass, type ParsedCatalog } from './import.ts';
import { validateProduct } from './product.ts';
import { categoryPath, readNumber, type SourceReading } from './source-reading.ts';

/**
 * Stock written for an offer a YML feed marks available without a `<count>`: the feed does not
 * count it, so it is "in stock" up to this many orders until the next pull says otherwise.
 */
export const UNCOUNTED_STOCK = 100;

interface OfferElement {
  line: number;
  id: string;
  available: string | undefined;
  /** Offers of one product in sizes or colours share a group_id (Yandex's variants). */
  group: string | undefined;
  fields: Record<string, string>;
  pictures: string[];
  params: Array<{ name: string; unit: string; value: string }>;
}

/**
 * Text as a feed means it: entities decoded even when escaped twice (`&amp;nbsp;`, what CMS
 * exports write), HTML tags dropped, white space collapsed.
 */
export function plainText(s: string | undefined): string {
  if (!s) return '';
  let t = s;
  for (let i = 0; i < 3 && /&(?:#\d+|#x[\da-f]+|[a-z]+\d*);/i.test(t); i++) t = decodeHTML(t);
  return t
    .replace(/<br\s*\/?>|<\/p>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

/** A category written as a path («Одежда/Брюки», "Home > Sofas"): nearest first, as categoryPath gives it. */
const pathOf = (s: string) =>
  s
    .split(/\s*(?:\/|>|\\|»)\s*/)
    .map((x) => x.trim())
    .filter(Boolean)
    .reverse();

/**
 * Reads a YML (Yandex Market Language) feed as a stream — UTF-8 or windows-1251 as its
 * declaration says — into catalog rows: categories keep their tree (the offer's category is
 * its own, the ones above it its tags), `name` or typePrefix + vendor + model, price and
 * oldprice in the offer's currency (RUR is RUB), vendor as the brand, params as colour,
 * material and style when the lexicon names them so, other params as attributes. An offer
 * that cannot be a product is reported with its line; a file that is not well-formed XML, or
 * ends early, is one error and no rows.
 */
export function ymlPass(open: () => AsyncIterable<Uint8Array>, reading: SourceReading): CatalogPass {
  // kept from one pass to the next: an offer read before <categories> gets its category the second time
  const categories: Categories = new Map();
  const currencies = new Map<string, string>();
  return async (take) => {
    const items: CatalogItem[] = [];
    const offerCurrencies = new Set<string>();
    const parser = readYmlTags(categories, currencies, reading, (o) => {
      if (o.fields.currencyId) offerCurrencies.add(o.fields.currencyId);
      items.push(offerItem(o, categories, currencies, reading));
    });
    let decoder: TextDecoder | null = null;
    try {
      for await (const chunk of open()) {
        decoder ??= new TextDecoder(declaredEncoding(chunk));
        parser.write(decoder.decode(chunk, { stream: true }).replace(/^\uFEFF/, ''));
        while (items.length >= IMPORT_BATCH) await take(items.splice(0, IMPORT_BATCH));
      }
      if (decoder) parser.write(decoder.decode());
      parser.close();
    } catch (err) {
      return { line: parser.line, error: `the feed is not whole XML: ${saxesReason(err)}` };
    }
    if (!decoder) return { line: 0, error: 'the feed is empty' };
    // a price in a currency we cannot name would be sold in the store's: the whole feed waits for it to be named
    const unknown = [...currencies.keys(), ...offerCurrencies].find((w) => w && !reading.currency(w));
    if (unknown)
      return {
        line: 0,
        error: `the currency «${unknown}» is not one Vitrina knows: write it as an ISO 4217 code (RUB, KZT, UAH…) in the feed, or add the word to templates/lexicon.yaml currencies`,
      };
    if (items.length) await take(items.splice(0));
    return null;
  };
}

/** A YML feed read whole into rows and errors (tests). */
export const readYml = (input: AsyncIterable<Uint8Array>, reading: SourceReading): Promise<ParsedCatalog> => collectPass(ymlPass(() => input, reading));

type Categories = Map<string, { name: string; parentId: string | null }>;

function readYmlTags(categories: Categories, currencies: Map<string, string>, reading: SourceReading, onOffer: (o: OfferElement) => void): SaxesParser {
  const parser = new SaxesParser({ position: true });
  const path: string[] = [];
  let text = '';
  let category: { id: string; parentId: string | null } | null = null;
  let offer: OfferElement | null = null;
  let param: { name: string; unit: string } | null = null;

  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    path.push(tag.name);
    text = '';
    if (tag.name === 'category' && path.includes('categories')) category = { id: a.id ?? '', parentId: a.parentId || null };
    else if (tag.name === 'currency' && path.includes('currencies') && a.id) currencies.set(a.id, reading.currency(a.id) ?? '');
    else if (tag.name === 'offer' && path.includes('offers'))
      offer = { line: parser.line, id: a.id ?? '', available: a.available, group: a.group_id || undefined, fields: {}, pictures: [], params: [] };
    else if (offer && tag.name === 'param') param = { name: a.name ?? '', unit: a.unit ?? '' };
  });
  parser.on('text', (t) => void (text += t));
  parser.on('cdata', (t) => void (text += t));
  parser.on('closetag', (tag) => {
    const value = text.trim();
    path.pop();
    text = '';
    if (tag.name === 'category' && category) {
      categories.set(category.id, { name: value, parentId: category.parentId });
      category = null;
    } else if (offer && tag.name === 'offer') {
      onOffer(offer);
      offer = null;
    } else if (offer && tag.name === 'param' && param) {
      if (param.name && value) offer.params.push({ ...param, value });
      param = null;
    } else if (offer && tag.name === 'picture') {
      if (value) offer.pictures.push(value);
    } else if (offer && path[path.length - 1] === 'offer') offer.fields[tag.name] = value;
  });

  return parser;
}

function offerItem(o: OfferElement, categories: Categories, currencies: Map<string, string>, reading: SourceReading): CatalogItem {
  const f = o.fields;
  const attributes: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (const p of o.params) {
    const value = plainText(p.value);
    const field = reading.field(p.name);
    if (field) fields[field] ??= value;
    else attributes[p.unit ? `${p.name}, ${p.unit}` : p.name] = value;
  }
  // a feed without <categories> (or an offer outside them): the category path in a param, else the offer's own type
  const given = categoryPath(f.categoryId, (id) => categories.get(id));
  const chain = given.length ? given : fields.category ? pathOf(fields.category) : f.typePrefix ? [plainText(f.typePrefix)] : [];
  if (f.vendorCode) attributes.article = f.vendorCode;
  if (f.barcode) attributes.barcode = f.barcode;
  const count = readNumber(f.count ?? f.quantity);
  const available = o.available !== 'false';
  const currency = f.currencyId ? currencies.get(f.currencyId) || reading.currency(f.currencyId)! : reading.defaultCurrency;
  const v = validateProduct(
    {
      id: o.id,
      name: plainText(f.name || [f.typePrefix, f.vendor, f.model].filter(Boolean).join(' ')),
      description: plainText(f.description),
      category: chain[0] ?? '',
      brand: plainText(f.vendor) || fields.brand,
      color: fields.color,
      material: fields.material,
      style: fields.style,
      price: f.price,
      old_price: f.oldprice,
      currency,
      stock: !available ? 0 : count !== null ? Math.max(0, Math.floor(count)) : UNCOUNTED_STOCK,
      image_url: o.pictures[0],
      url: f.url,
      tags: chain.slice(1),
      attributes,
      // a family's id, not a product's: it cannot collide with an offer's own id
      parent_id: o.group ? `group:${o.group}` : undefined,
    },
    reading,
  );
  return v.ok ? { line: o.line, row: v.row } : { line: o.line, error: `offer ${o.id || '(no id)'}: ${v.error}` };
}

/** What a catalog file or feed is, from its first bytes: YML, CommerceML, JSON or CSV. */
export function sniffFormat(head: Uint8Array): 'yml' | 'commerceml' | 'json' | 'csv' {
  const s = Buffer.from(head.subarray(0, 4096)).toString('latin1');
  if (/<yml_catalog[\s>]/.test(s)) return 'yml';
  // the root's name in UTF-8 or windows-1251 bytes
  if (s.includes(Buffer.from('КоммерческаяИнформация', 'utf8').toString('latin1')) || /^\s*(\uFEFF|\xEF\xBB\xBF)?<\?xml/.test(s)) return 'commerceml';
  if (/^(\xEF\xBB\xBF)?\s*[[{]/.test(s)) return 'json';
  return 'csv';
}
