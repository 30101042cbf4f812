import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';

/**
 * What a CommerceML 2 file (1C's `import.xml`, `offers.xml` and the newer split files) says,
 * as a stream of small events: the reader keeps only the element it is inside, so memory stays
 * flat however large the file. Values are as 1C writes them (ids are 1C's GUIDs, numbers keep
 * their decimal comma); what they mean for the catalog is decided by the importer.
 */
export type CmlEvent =
  /** A catalog group; groups nest (`parentId`). Emitted children first. */
  | { kind: 'group'; id: string; name: string; parentId: string | null }
  /** A property (Свойство) with its dictionary values (ИдЗначения → Значение) when it has them. */
  | { kind: 'property'; id: string; name: string; values: Record<string, string> }
  /** `Каталог` started: a partial update when `onlyChanges`. */
  | { kind: 'catalog'; id: string; onlyChanges: boolean }
  | {
      kind: 'good';
      id: string;
      article: string;
      barcode: string;
      name: string;
      description: string;
      groupIds: string[];
      /** Paths relative to the exchange folder (`import_files/ab/abcd.jpg`). */
      pictures: string[];
      manufacturer: string;
      /** Property id → value (a dictionary value's id, or the value itself; several joined by «;»). */
      properties: Array<{ id: string; value: string }>;
      /** ЗначенияРеквизитов: Наименование → Значение. */
      requisites: Record<string, string>;
      /** `Статус="Удален"` or ПометкаУдаления. */
      deleted: boolean;
    }
  /** `ПакетПредложений` started. */
  | { kind: 'offers'; catalogId: string; onlyChanges: boolean }
  | { kind: 'priceType'; id: string; name: string; currency: string }
  | { kind: 'warehouse'; id: string; name: string }
  | {
      kind: 'offer';
      /** The offer's Ид: `<товар>` or `<товар>#<характеристика>` for a variant. */
      id: string;
      productId: string;
      variantId: string | null;
      article: string;
      name: string;
      prices: Array<{ typeId: string; price: string; currency: string }>;
      /** Количество, when given. */
      quantity: string | null;
      warehouses: Array<{ id: string; quantity: string }>;
      /** ХарактеристикиТовара: what makes the variant (Размер: 42). */
      characteristics: Array<{ name: string; value: string }>;
      /** The offer's own ЗначенияСвойств (CommerceML 2.08+: a variant's colour and size as properties). */
      properties: Array<{ id: string; value: string }>;
      deleted: boolean;
    }
  /** A document (an order, in `type=sale` files): its number and the order's own requisites (Наименование → Значение). */
  | { kind: 'document'; id: string; number: string; date: string; requisites: Record<string, string> };

/** What saxes says went wrong, without the position it prefixes (the caller reports where). */
export const saxesReason = (err: unknown) => String((err as Error).message ?? err).replace(/^(?:[^:\n]*:)?\d+:\d+: /, '');

/** A file that is not well-formed XML, or ends early: where, and what. */
export class CommerceMLError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'CommerceMLError';
  }
}

type Group = { id: string; name: string; parentId: string | null };
type Good = Extract<CmlEvent, { kind: 'good' }>;
type Offer = Extract<CmlEvent, { kind: 'offer' }>;

const newGood = (): Good => ({
  kind: 'good',
  id: '',
  article: '',
  barcode: '',
  name: '',
  description: '',
  groupIds: [],
  pictures: [],
  manufacturer: '',
  properties: [],
  requisites: {},
  deleted: false,
});
const newOffer = (): Offer => ({
  kind: 'offer',
  id: '',
  productId: '',
  variantId: null,
  article: '',
  name: '',
  prices: [],
  quantity: null,
  warehouses: [],
  characteristics: [],
  properties: [],
  deleted: false,
});
const truthy = (v: string | undefined) => v === 'true' || v === '1';

/**
 * The encoding an XML declaration names (`<?xml … encoding="windows-1251"?>`, what 1C-Bitrix
 * and older 1C modules write), else UTF-8. An encoding TextDecoder does not know is refused.
 */
export function declaredEncoding(head: Uint8Array): string {
  const m = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(Buffer.from(head.subarray(0, 200)).toString('latin1'));
  const name = m?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(name).encoding;
  } catch {
    throw new CommerceMLError(`unknown encoding "${name}"`, 1, 1);
  }
}

/** Reads a CommerceML stream (UTF-8 or the encoding its declaration names, a BOM allowed) into events, a chunk at a time. */
export async function* readCommerceML(input: Readable | AsyncIterable<Buffer | string>): AsyncGenerator<CmlEvent> {
  const parser = new SaxesParser({ position: true });
  const out: CmlEvent[] = [];
  const path: string[] = [];
  let text = '';
  const groups: Group[] = [];
  let property: { id: string; name: string; values: Record<string, string>; valueId: string; value: string } | null = null;
  let good: Good | null = null;
  let offer: Offer | null = null;
  let pair: Record<string, string> = {};
  let priceType: { id: string; name: string; currency: string } | null = null;
  let warehouse: { id: string; name: string } | null = null;
  let price: { typeId: string; price: string; currency: string } | null = null;
  /** The Каталог or ПакетПредложений being read: its id comes after its start was reported. */
  let started: Extract<CmlEvent, { kind: 'catalog' | 'offers' }> | null = null;
  let document: Extract<CmlEvent, { kind: 'document' }> | null = null;
  let restStore = '';

  const parent = (n = 1) => path[path.length - 1 - n];
  const emit = (e: CmlEvent | null) => {
    if (started) {
      out.push(started);
      started = null;
    }
    if (e) out.push(e);
  };
  const within = (name: string) => path.includes(name);
  /** One field of a name–value pair; a property given several values (repeated Значение) keeps them all, «;»-joined. */
  const addPairValue = (name: string, value: string) => {
    pair[name] = name === 'Значение' && pair[name] ? `${pair[name]};${value}` : value;
  };

  parser.on('opentag', (tag) => {
    const name = tag.name;
    const attrs = tag.attributes as Record<string, string>;
    path.push(name);
    text = '';
    switch (name) {
      case 'Группа':
        if (within('Классификатор') && !good) groups.push({ id: '', name: '', parentId: groups.at(-1)?.id ?? null });
        break;
      case 'Свойство':
        if (!good && !offer) property = { id: '', name: '', values: {}, valueId: '', value: '' };
        break;
      case 'Каталог':
        started = { kind: 'catalog', id: '', onlyChanges: truthy(attrs['СодержитТолькоИзменения']) };
        break;
      case 'ПакетПредложений':
        started = { kind: 'offers', catalogId: '', onlyChanges: truthy(attrs['СодержитТолькоИзменения']) };
        break;
      case 'Документ':
        document = { kind: 'document', id: '', number: '', date: '', requisites: {} };
        break;
      case 'Товар':
        if (parent() === 'Товары' && !document) good = { ...newGood(), deleted: attrs['Статус'] === 'Удален' };
        break;
      case 'Предложение':
        if (parent() === 'Предложения') offer = { ...newOffer(), deleted: attrs['Статус'] === 'Удален' };
        break;
      case 'ТипЦены':
        if (parent() === 'ТипыЦен') priceType = { id: '', name: '', currency: '' };
        break;
      case 'Склад':
        if (offer && attrs['ИдСклада']) offer.warehouses.push({ id: attrs['ИдСклада'], quantity: attrs['КоличествоНаСкладе'] ?? '0' });
        else if (parent() === 'Склады' && !offer) warehouse = { id: '', name: '' };
        break;
      case 'Цена':
        if (offer) price = { typeId: '', price: '', currency: '' };
        break;
      case 'ЗначенияСвойства':
      case 'ЗначениеРеквизита':
      case 'ХарактеристикаТовара':
        pair = {};
        break;
    }
  });

  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });

  parser.on('closetag', (tag) => {
    const name = tag.name;
    const value = text.trim();
    path.pop();
    const up = path[path.length - 1];
    text = '';
    // groups
    const g = groups.at(-1);
    if (g && up === 'Группа' && !good) {
      if (name === 'Ид') g.id = value;
      else if (name === 'Наименование') g.name = value;
    }
    if (name === 'Группа' && g && within('Классификатор') && !good) {
      groups.pop();
      emit({ kind: 'group', id: g.id, name: g.name, parentId: g.parentId });
    }
    // properties
    if (property) {
      if (up === 'Свойство' && name === 'Ид') property.id = value;
      else if (up === 'Свойство' && name === 'Наименование') property.name = value;
      else if (name === 'ИдЗначения') property.valueId = value;
      else if (name === 'Значение' && (up === 'Справочник' || up === 'ВариантЗначения')) property.value = value;
      else if ((name === 'Справочник' || name === 'ВариантЗначения') && property.valueId) {
        property.values[property.valueId] = property.value;
        property.valueId = property.value = '';
      } else if (name === 'Свойство') {
        emit({ kind: 'property', id: property.id, name: property.name, values: property.values });
        property = null;
      }
    }
    // the catalog's and the offers package's own ids
    if (name === 'Ид' && up === 'Каталог' && started?.kind === 'catalog') started.id = value;
    if (name === 'ИдКаталога' && up === 'ПакетПредложений' && started?.kind === 'offers') started.catalogId = value;
    // the package is reported once its id is known, and always before its first item
    if ((name === 'Ид' && up === 'Каталог') || (name === 'ИдКаталога' && up === 'ПакетПредложений') || name === 'Каталог' || name === 'ПакетПредложений')
      emit(null);
    // goods
    if (good) {
      if (up === 'Товар') {
        if (name === 'Ид') good.id = value;
        else if (name === 'Артикул') good.article = value;
        else if (name === 'Штрихкод') good.barcode = value;
        else if (name === 'Наименование') good.name = value;
        else if (name === 'Описание') good.description = value;
        else if (name === 'Картинка' && value) good.pictures.push(value);
        else if (name === 'ПометкаУдаления') good.deleted ||= truthy(value);
      } else if (up === 'Группы' && name === 'Ид') good.groupIds.push(value);
      else if (up === 'Изготовитель' && name === 'Наименование') good.manufacturer = value;
      else if (up === 'ЗначенияСвойства' || up === 'ЗначениеРеквизита') addPairValue(name, value);
      else if (name === 'ЗначенияСвойства' && pair['Ид']) good.properties.push({ id: pair['Ид'], value: pair['Значение'] ?? '' });
      else if (name === 'ЗначениеРеквизита' && pair['Наименование']) good.requisites[pair['Наименование']] = pair['Значение'] ?? '';
      if (name === 'Товар') {
        emit(good);
        good = null;
      }
    }
    // offers
    if (offer) {
      if (up === 'Предложение') {
        if (name === 'Ид') {
          const [product, variant] = value.split('#', 2);
          Object.assign(offer, { id: value, productId: product ?? value, variantId: variant ? variant : null });
        } else if (name === 'Артикул') offer.article = value;
        else if (name === 'Наименование') offer.name = value;
        else if (name === 'Количество') offer.quantity = value;
        else if (name === 'ПометкаУдаления') offer.deleted ||= truthy(value);
      } else if (up === 'Склад' && within('Остатки')) {
        // rests files (2.10): Остатки/Остаток/Склад{Ид, Количество}
        if (name === 'Ид') restStore = value;
        else if (name === 'Количество' && restStore) offer.warehouses.push({ id: restStore, quantity: value });
      } else if (up === 'Остаток' && name === 'Количество') {
        offer.quantity = value;
      } else if (price && up === 'Цена') {
        if (name === 'ИдТипаЦены') price.typeId = value;
        else if (name === 'ЦенаЗаЕдиницу') price.price = value;
        else if (name === 'Валюта') price.currency = value;
      } else if (up === 'ХарактеристикаТовара' || up === 'ЗначенияСвойства') addPairValue(name, value);
      if (name === 'ЗначенияСвойства' && pair['Ид']) offer.properties.push({ id: pair['Ид'], value: pair['Значение'] ?? '' });
      if (name === 'Цена' && price) {
        offer.prices.push(price);
        price = null;
      } else if (name === 'ХарактеристикаТовара' && pair['Наименование'])
        offer.characteristics.push({ name: pair['Наименование'], value: pair['Значение'] ?? '' });
      else if (name === 'Предложение') {
        emit(offer);
        offer = null;
      }
    }
    // an order document: its own requisites, not its lines'
    if (document && !within('Товары')) {
      if (up === 'Документ' && name === 'Ид') document.id = value;
      else if (up === 'Документ' && name === 'Номер') document.number = value;
      else if (up === 'Документ' && name === 'Дата') document.date = value;
      else if (up === 'ЗначениеРеквизита') pair[name] = value;
      else if (name === 'ЗначениеРеквизита' && pair['Наименование']) document.requisites[pair['Наименование']] = pair['Значение'] ?? '';
      else if (name === 'Документ') {
        emit(document);
        document = null;
      }
    }
    // price types and warehouses of the package
    if (priceType) {
      if (up === 'ТипЦены' && name === 'Ид') priceType.id = value;
      else if (up === 'ТипЦены' && name === 'Наименование') priceType.name = value;
      else if (up === 'ТипЦены' && name === 'Валюта') priceType.currency = value;
      else if (name === 'ТипЦены') {
        emit({ kind: 'priceType', ...priceType });
        priceType = null;
      }
    }
    if (warehouse) {
      if (up === 'Склад' && name === 'Ид') warehouse.id = value;
      else if (up === 'Склад' && name === 'Наименование') warehouse.name = value;
      else if (name === 'Склад') {
        emit({ kind: 'warehouse', ...warehouse });
        warehouse = null;
      }
    }
  });

  const fail = (err: unknown): never => {
    throw new CommerceMLError(saxesReason(err), parser.line, parser.column);
  };
  let decoder: TextDecoder | null = null;
  let first = true;
  for await (const chunk of input) {
    decoder ??= new TextDecoder(typeof chunk === 'string' ? 'utf-8' : declaredEncoding(chunk));
    let s = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first) {
      s = s.replace(/^\uFEFF/, '');
      first = false;
    }
    try {
      parser.write(s);
    } catch (err) {
      fail(err);
    }
    yield* out.splice(0);
  }
  try {
    if (decoder) parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    fail(err);
  }
  yield* out.splice(0);
}
