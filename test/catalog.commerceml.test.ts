import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CommerceMLError, readCommerceML, type CmlEvent } from '../src/catalog/commerceml.ts';

const FIXTURES = new URL('./fixtures/commerceml/', import.meta.url);
const read = async (input: Readable) => {
  const events: CmlEvent[] = [];
  for await (const e of readCommerceML(input)) events.push(e);
  return events;
};
const file = (name: string, highWaterMark?: number) => createReadStream(new URL(name, FIXTURES), highWaterMark ? { highWaterMark } : {});
const of = <K extends CmlEvent['kind']>(events: CmlEvent[], kind: K) => events.filter((e): e is Extract<CmlEvent, { kind: K }> => e.kind === kind);

describe('CommerceML, read as a stream (the sample files of shared/reference/commerceml)', () => {
  it('import.xml: groups, properties with their dictionaries, and every good with its article, barcode, groups, maker and property values', async () => {
    const events = await read(file('import0_1.xml'));
    const xml = readFileSync(new URL('import0_1.xml', FIXTURES), 'utf8');
    expect(of(events, 'group')).toEqual([{ kind: 'group', id: '82cfb8dc-18f9-11e7-80c2-0cc47ab29cd1', name: 'Коврики для дома', parentId: null }]);
    const props = of(events, 'property');
    expect(props.length).toBe((xml.match(/<Свойство>/g) ?? []).length);
    expect(props.find((p) => p.name === 'Страна производства')).toEqual({
      kind: 'property',
      id: '3268183f-18fa-11e7-80c2-0cc47ab29cd1',
      name: 'Страна производства',
      values: { 'af848a7e-18fa-11e7-80c2-0cc47ab29cd1': 'КОРЕЯ, РЕСПУБЛИКА' },
    });
    expect(of(events, 'catalog')).toEqual([{ kind: 'catalog', id: expect.any(String), onlyChanges: false }]);
    const goods = of(events, 'good');
    // 35 goods, and one 1C marks deleted (Статус="Удален")
    expect(goods).toHaveLength(36);
    expect(goods.filter((g) => g.deleted)).toHaveLength(1);
    expect(goods[0]).toMatchObject({
      id: 'bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1',
      barcode: '8809288404089',
      article: 'PM-421-WP',
      name: 'Портативный коврик Portable 140x200x1 см, Деревянные лошадки',
      groupIds: ['82cfb8dc-18f9-11e7-80c2-0cc47ab29cd1'],
      manufacturer: 'Crazy Boom',
      deleted: false,
    });
    expect(goods[0]!.properties).toContainEqual({ id: '06375b96-18fb-11e7-80c2-0cc47ab29cd1', value: '259d77bb-18fb-11e7-80c2-0cc47ab29cd1' });
    // the catalog is reported before its first good
    expect(events.findIndex((e) => e.kind === 'catalog')).toBeLessThan(events.findIndex((e) => e.kind === 'good'));
  });

  it('nested groups keep their tree; the result does not depend on where the chunks break', async () => {
    const whole = await read(file('import0_1_with_nested_groups.xml'));
    const tiny = await read(file('import0_1_with_nested_groups.xml', 97));
    expect(tiny).toEqual(whole);
    const groups = of(whole, 'group');
    const byId = new Map(groups.map((g) => [g.id, g]));
    const nested = groups.filter((g) => g.parentId !== null);
    expect(nested.length).toBeGreaterThan(0);
    for (const g of nested) expect(byId.has(g.parentId!)).toBe(true);
    expect(of(whole, 'good').length).toBeGreaterThan(0);
  });

  it('offers.xml: price types, warehouses, and each offer with prices, quantity and stock per warehouse', async () => {
    const events = await read(file('offers0_1.xml'));
    expect(of(events, 'offers')).toEqual([{ kind: 'offers', catalogId: 'b21db898-7f82-46d8-a5ca-7c4f1d200a13', onlyChanges: false }]);
    expect(of(events, 'priceType')).toEqual([{ kind: 'priceType', id: '279b6812-740b-11e8-80c8-0cc47ab29cd1', name: 'BASE', currency: 'RUB' }]);
    expect(of(events, 'warehouse').map((w) => w.name)).toContain('Владивосток');
    const offers = of(events, 'offer');
    expect(offers).toHaveLength(44);
    expect(offers[0]).toEqual({
      kind: 'offer',
      id: 'bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1',
      productId: 'bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1',
      variantId: null,
      article: 'PM-421-WP',
      name: 'Портативный коврик Portable 140x200x1 см, Деревянные лошадки',
      prices: [{ typeId: '279b6812-740b-11e8-80c8-0cc47ab29cd1', price: '100', currency: 'RUB' }],
      quantity: '377',
      warehouses: [
        { id: '6abdb0b5-18fd-11e7-80c2-0cc47ab29cd1', quantity: '1' },
        { id: 'd2a52d49-19c9-11e7-80c2-0cc47ab29cd1', quantity: '0' },
        { id: 'dd306af1-19c9-11e7-80c2-0cc47ab29cd1', quantity: '376' },
      ],
      characteristics: [],
      properties: [],
      deleted: false,
    });
  });

  it('a variant offer (товар#характеристика) knows its product and what makes it; a partial update says so', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10"><ПакетПредложений СодержитТолькоИзменения="true"><ИдКаталога>cat-1</ИдКаталога>
<Предложения><Предложение><Ид>g-1#size-42</Ид><Наименование>Кеды (42)</Наименование>
<ХарактеристикиТовара><ХарактеристикаТовара><Наименование>Размер</Наименование><Значение>42</Значение></ХарактеристикаТовара></ХарактеристикиТовара>
<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>24990,50</ЦенаЗаЕдиницу><Валюта>KZT</Валюта></Цена></Цены><Количество>3</Количество></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>`;
    const events = await read(Readable.from([Buffer.from(xml)]));
    expect(of(events, 'offers')).toEqual([{ kind: 'offers', catalogId: 'cat-1', onlyChanges: true }]);
    expect(of(events, 'offer')[0]).toMatchObject({
      id: 'g-1#size-42',
      productId: 'g-1',
      variantId: 'size-42',
      characteristics: [{ name: 'Размер', value: '42' }],
      prices: [{ typeId: 'retail', price: '24990,50', currency: 'KZT' }],
      quantity: '3',
    });
  });

  it('split rests and prices files (2.10): stock per warehouse from Остатки, prices without quantities', async () => {
    const rests = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10"><ПакетПредложений СодержитТолькоИзменения="true"><ИдКаталога>cat-1</ИдКаталога><Предложения>
<Предложение><Ид>g-1</Ид><Остатки><Остаток><Склад><Ид>w-1</Ид><Количество>4</Количество></Склад></Остаток><Остаток><Склад><Ид>w-2</Ид><Количество>1</Количество></Склад></Остаток></Остатки></Предложение>
<Предложение><Ид>g-2</Ид><Остатки><Остаток><Количество>7</Количество></Остаток></Остатки></Предложение>
</Предложения></ПакетПредложений></КоммерческаяИнформация>`;
    const offers = of(await read(Readable.from([Buffer.from(rests)])), 'offer');
    expect(offers.map((o) => [o.id, o.quantity, o.warehouses, o.prices])).toEqual([
      [
        'g-1',
        null,
        [
          { id: 'w-1', quantity: '4' },
          { id: 'w-2', quantity: '1' },
        ],
        [],
      ],
      ['g-2', '7', [], []],
    ]);
    const prices = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10"><ПакетПредложений СодержитТолькоИзменения="true"><ИдКаталога>cat-1</ИдКаталога>
<ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование><Валюта>KZT</Валюта></ТипЦены></ТипыЦен><Предложения>
<Предложение><Ид>g-1</Ид><Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>1 990</ЦенаЗаЕдиницу></Цена></Цены></Предложение>
</Предложения></ПакетПредложений></КоммерческаяИнформация>`;
    expect(of(await read(Readable.from([Buffer.from(prices)])), 'offer').map((o) => [o.id, o.quantity, o.prices])).toEqual([
      ['g-1', null, [{ typeId: 'retail', price: '1 990', currency: '' }]],
    ]);
  });

  it('a malformed or truncated file is refused with its line and column, not read half-way', async () => {
    const xml = readFileSync(new URL('offers0_1.xml', FIXTURES));
    const cut = xml.subarray(0, Math.floor(xml.length / 2));
    await expect(read(Readable.from([cut]))).rejects.toBeInstanceOf(CommerceMLError);
    await expect(read(Readable.from([Buffer.from('<КоммерческаяИнформация><Каталог></Товары></КоммерческаяИнформация>')]))).rejects.toThrow(
      /^line 1, column \d+: /,
    );
  });
});
