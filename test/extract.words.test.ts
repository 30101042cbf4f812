import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extract } from '../core/extract.ts';
import { detectLanguage } from '../core/language.ts';
import { classify } from '../core/offline-assistant.ts';
import { storeVocabulary } from './helpers/store-vocabulary.ts';
import { demoStoreDir, sampleStoreDir } from '../src/config.ts';
import { facetsOf } from '../src/catalog/facets.ts';
import { loadLexicon } from '../src/catalog/lexicon.ts';
import { Vocabulary } from '../core/vocabulary.ts';
import { key, normalize, tokens } from '../src/catalog/words.ts';

const vocabulary = storeVocabulary(demoStoreDir());
const lexicon = loadLexicon();
const rest = (text: string, v = vocabulary) =>
  extract(text, v)
    .rest.map((a) => a[0])
    .join(' ');

describe('reading the shopper’s words without a model', () => {
  it.each([
    ['хочу серый диван до 300 тысяч', { budgetMax: 300000, color: 'серый', category: 'Диваны' }],
    ['до 1,5 млн чёрный стол', { budgetMax: 1500000, color: 'чёрный', category: 'Столы' }],
    ['кресло от 50 000 до 120 000', { budgetMin: 50000, budgetMax: 120000, category: 'Кресла' }],
    ['150 мың теңгеге дейін жасыл кресло', { budgetMax: 150000, color: 'зелёный', category: 'Кресла' }],
    ['grey sofa under 200k', { budgetMax: 200000, color: 'серый', category: 'Диваны' }],
    ['угловой диван велюр', { category: 'Диваны', budgetMax: null }],
    ['стулья', { category: 'Стулья' }],
    ['стол', { category: 'Столы' }],
    ['шкаф-купе белый', { category: 'Шкафы', color: 'белый' }],
  ])('%s', (text, expected) => {
    expect(extract(text, vocabulary)).toMatchObject(expected);
  });

  it('compound and hyphenated forms meet the catalog’s either way: «кофе машина» is Кофемашины, «смарт браслет» is Смарт-браслеты', () => {
    const v = new Vocabulary(
      facetsOf([{ category: 'Кофемашины' }, { category: 'Смарт-браслеты' }, { category: 'Пылесосы', brand: 'Wi-Fi Home' }, { category: 'Электросамокаты' }]),
      lexicon,
    );
    expect(extract('кофе машина до 100 тысяч', v)).toMatchObject({ category: 'Кофемашины', budgetMax: 100000 });
    expect(extract('кофемашина', v)).toMatchObject({ category: 'Кофемашины' });
    expect(extract('смарт браслет', v)).toMatchObject({ category: 'Смарт-браслеты' });
    expect(extract('смартбраслет чёрный', v)).toMatchObject({ category: 'Смарт-браслеты' });
    expect(extract('смарт-браслеты', v)).toMatchObject({ category: 'Смарт-браслеты' });
    expect(extract('электро самокат', v)).toMatchObject({ category: 'Электросамокаты' });
    expect(extract('wifi home пылесос', v).filters.brand).toEqual(['Wi-Fi Home']);
    // two words that make no catalog word stay two words
    expect(extract('кофе арабика', new Vocabulary(facetsOf([{ category: 'Кофе' }]), lexicon))).toMatchObject({ category: 'Кофе' });
    // and a coffee machine is not coffee: in a shop of coffee it is a thing asked for, searched by its own words
    const coffeeMachine = extract('кофе машина', new Vocabulary(facetsOf([{ category: 'Кофе' }]), lexicon));
    expect(coffeeMachine.filters.category).toBeUndefined();
    expect(coffeeMachine.rest[0]).toContain('кофемашина');
  });

  it('the catalog’s own words before the lexicon’s: «крем» among creams is a cream, not a beige; «шоколадный» among cakes is chocolate', () => {
    const beauty = [
      { name: 'Крем для лица увлажняющий', category: 'Уход за лицом' },
      { name: 'Тональный крем', category: 'Макияж', color: 'бежевый' },
      { name: 'Помада матовая', category: 'Макияж', color: 'коричневый' },
      { name: 'Торт шоколадный', category: 'Торты' },
    ];
    const v = new Vocabulary(facetsOf(beauty, lexicon), lexicon);
    expect(extract('крем для лица', v).filters.color).toBeUndefined();
    expect(rest('крем для лица', v)).toContain('крем');
    expect(extract('шоколадный торт', v)).toMatchObject({ category: 'Торты', color: null });
    // the lexicon still reads colours the catalog does not sell by
    expect(extract('бежевая помада', v).filters.color).toEqual(['бежевый']);
    expect(extract('brown lipstick', v).filters.color).toEqual(['коричневый']);
    // a word that is the catalog's own colour stays a colour, whatever the names say
    const sofas = new Vocabulary(facetsOf([{ name: 'Диван серый', category: 'Диваны', color: 'серый' }], lexicon), lexicon);
    expect(extract('серый диван', sofas).filters.color).toEqual(['серый']);
  });

  it('lexicon collisions in every sample catalog: a colour or material word the catalog sells by is read as a search word', () => {
    const stores = readdirSync(new URL('../templates/samples/', import.meta.url)).map((n) => sampleStoreDir(n));
    for (const dir of stores) {
      const v = storeVocabulary(dir);
      const own = new Set([...v.values('color'), ...v.values('material')].flatMap((x) => tokens(x)));
      for (const w of v.facets.productWords.filter((x) => !own.has(x))) {
        const r = extract(w, v);
        expect([w, r.filters.color, r.filters.material]).toEqual([w, undefined, undefined]);
      }
    }
  });

  it('shopper words for common things, in any language, reach the catalog’s category: «ноут», «кроссы», "hoodie", «тоңазытқыш», "sunglasses"', () => {
    const shop = [
      { name: 'Lenovo IdeaPad 3', category: 'Ноутбуки', brand: 'Lenovo' },
      { name: 'Nike Air Zoom', category: 'Кроссовки', brand: 'Nike' },
      { name: 'Толстовка оверсайз', category: 'Толстовки' },
      { name: 'Samsung RB33', category: 'Холодильники', brand: 'Samsung' },
      { name: 'Ray-Ban Aviator', category: 'Солнцезащитные очки', brand: 'Ray-Ban' },
      { name: 'Сумка для ноутбука 15"', category: 'Сумки для ноутбуков' },
    ];
    const v = new Vocabulary(facetsOf(shop, lexicon), lexicon);
    expect(extract('ноут до 300к', v)).toMatchObject({ category: 'Ноутбуки', budgetMax: 300000 });
    expect(extract('laptop', v).filters.category).toEqual(['Ноутбуки']);
    expect(extract('кроссы найк', v)).toMatchObject({ category: 'Кроссовки', filters: { brand: ['Nike'] } });
    expect(extract('black hoodie', v).filters.category).toEqual(['Толстовки']);
    expect(extract('тоңазытқыш керек', v).filters.category).toEqual(['Холодильники']);
    expect(extract('тоназыткыш', v).filters.category).toEqual(['Холодильники']);
    expect(extract('sunglasses', v).filters.category).toEqual(['Солнцезащитные очки']);
    expect(extract('солнечные очки', v).filters.category).toEqual(['Солнцезащитные очки']);
    // the shopper's word is what the answer repeats
    expect(extract('кроссы', v).said.category).toBe('кроссы');
  });

  it('kinds: a word of a longer category beside the category named is searched for in it («игровой ноутбук»), not lost', () => {
    const v = new Vocabulary(facetsOf([{ category: 'Ноутбуки' }, { category: 'Игровые консоли' }, { category: 'Компьютерные мыши' }], lexicon), lexicon);
    expect(extract('игровой ноутбук', v)).toMatchObject({ category: 'Ноутбуки', rest: [['игровой']] });
    expect(extract('игровая консоль', v)).toMatchObject({ category: 'Игровые консоли', rest: [] });
    expect(extract('игровая', v)).toMatchObject({ category: 'Игровые консоли' });
  });

  it('a thing with no category of its own is searched in the names with every word for it; a word inside a longer category carries no concept', () => {
    const shoes = new Vocabulary(facetsOf([{ name: 'Кроссовки беговые Asics', category: 'Обувь' }], lexicon), lexicon);
    const r = extract('sneakers', shoes);
    expect(r.filters.category).toBeUndefined();
    expect(r.rest[0]).toEqual(expect.arrayContaining(['sneakers', 'кроссовки', 'кроссы']));
    // "bag" names Sleeping Bags weakly in an outdoor shop; a purse is not a sleeping bag
    const outdoor = new Vocabulary(facetsOf([{ name: 'Down bag -10', category: 'Sleeping Bags' }], lexicon), lexicon);
    expect(extract('bag', outdoor).filters.category).toEqual(['Sleeping Bags']);
    expect(extract('purse', outdoor).filters.category).toBeUndefined();
  });

  it('a Kazakh word for a thing shops sell tells the language, typed with or without the Kazakh letters; a Russian word so typed does not', () => {
    expect(detectLanguage('картоп', 'ru', vocabulary)).toBe('kk');
    expect(detectLanguage('сусабын бар ма', 'ru', vocabulary)).toBe('kk');
    expect(detectLanguage('тоназыткыш', 'ru', vocabulary)).toBe('kk');
    expect(detectLanguage('торт', 'ru', vocabulary)).toBe('ru');
    expect(detectLanguage('кефир', 'kk', vocabulary)).toBe('ru');
  });

  it('the lexicon’s things shops sell and their kinds collide with nothing: one concept a word, none a colour, material, size, unit, follow-up, number, scale or common word', () => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const [concept, ws] of Object.entries({ ...lexicon.products, ...lexicon.kinds }).map(([c, l]) => [c, Object.values(l).flat()] as const))
      for (const k of new Set(ws.map((w) => tokens(w).map(key).join(' ')))) {
        if (owner.has(k) && owner.get(k) !== concept) twice.push(`${k}: ${owner.get(k)} / ${concept}`);
        owner.set(k, concept);
      }
    expect(twice).toEqual([]);
    const other = [lexicon.colors, lexicon.materials, lexicon.sizes, lexicon.units, lexicon.follow_ups, lexicon.scales, lexicon.common].flatMap((c) =>
      Object.values(c).flat(),
    );
    const clash = other.map((w) => tokens(w).map(key).join(' ')).filter((k) => owner.has(k));
    expect(clash).toEqual([]);
    // a phrase that is a thing plus a colour or material («чай зелёный») reads as the thing and loses the colour: none
    const attributes = new Set([lexicon.colors, lexicon.materials].flatMap((c) => Object.values(c).flat()).map((w) => key(normalize(w))));
    const thingPlusColour = Object.entries(lexicon.products).flatMap(([concept, c]) =>
      Object.values(c)
        .flat()
        .filter((w) => {
          const left = tokens(w)
            .map(key)
            .filter((k) => !attributes.has(k));
          return tokens(w).length > 1 && left.length < tokens(w).length && owner.get(left.join(' ')) === concept;
        }),
    );
    expect(thingPlusColour).toEqual([]);
    // number words are compared as written («төрт» is 4, «торт» a cake)
    const written = new Set(
      Object.values({ ...lexicon.products, ...lexicon.kinds })
        .flatMap((c) => Object.values(c).flat())
        .map((w) => tokens(w).join(' ')),
    );
    expect(
      Object.values(lexicon.numbers)
        .flat()
        .filter((w) => written.has(tokens(w).join(' '))),
    ).toEqual([]);
    expect(Object.keys(lexicon.products).length).toBeGreaterThanOrEqual(300);
    // and in every sample store each catalog category still reads as itself
    const stores = readdirSync(new URL('../templates/samples/', import.meta.url)).map((n) => sampleStoreDir(n));
    for (const dir of stores) {
      const v = storeVocabulary(dir);
      for (const c of v.values('category')) expect([c, extract(c, v).filters.category]).toEqual([c, [c]]);
    }
  });

  it('brands across scripts, by how they sound: «хуавей», «бош», «найк», «тефаль», «эпл» find the Latin brands, "akvafor" the Cyrillic one', () => {
    const shop = [
      { name: 'Huawei Watch GT 4', brand: 'Huawei', category: 'Смарт-часы' },
      { name: 'Bosch Serie 4', brand: 'Bosch', category: 'Стиральные машины' },
      { name: 'Nike Air Max', brand: 'Nike', category: 'Кроссовки' },
      { name: 'Tefal Ingenio', brand: 'Tefal', category: 'Сковороды' },
      { name: 'Apple Watch Series 9', brand: 'Apple', category: 'Смарт-часы' },
      { name: 'Фильтр Аквафор Трио', brand: 'Аквафор', category: 'Фильтры' },
      { name: 'Philips Sonicare', brand: 'Philips', category: 'Зубные щётки' },
    ];
    const v = new Vocabulary(facetsOf(shop, lexicon), lexicon);
    expect(extract('хуавей часы', v).filters.brand).toEqual(['Huawei']);
    expect(extract('стиралка бош', v).filters.brand).toEqual(['Bosch']);
    expect(extract('найк кроссовки', v)).toMatchObject({ category: 'Кроссовки', filters: { brand: ['Nike'] } });
    expect(extract('сковорода тефаль', v).filters.brand).toEqual(['Tefal']);
    expect(extract('филипс', v).filters.brand).toEqual(['Philips']);
    expect(extract('akvafor', v).filters.brand).toEqual(['Аквафор']);
    // a model word in Cyrillic searches as the catalog writes it too
    const apple = extract('эпл вотч', v);
    expect(apple.filters.brand).toEqual(['Apple']);
    expect(apple.rest).toEqual([['вотч', 'watch']]);
    // "ch" said «ш» (French names) or «ч»; English "-tion" said «шн»; a long brand by its first word; a model code in Cyrillic lookalikes
    const more = new Vocabulary(
      facetsOf(
        [
          { name: 'Chanel Coco Mademoiselle', brand: 'Chanel', category: 'Парфюмерия' },
          { name: 'Sony PlayStation 5 Slim', brand: 'Sony', category: 'Игровые консоли' },
          { name: 'Тушь Maybelline Lash Sensational', brand: 'Maybelline New York', category: 'Макияж' },
          { name: 'Samsung Galaxy A55', brand: 'Samsung', category: 'Смартфоны' },
        ],
        lexicon,
      ),
      lexicon,
    );
    expect(extract('духи шанель', more).filters.brand).toEqual(['Chanel']);
    expect(extract('плейстейшн 5', more).rest[0]).toEqual(['плейстейшн', 'playstation']);
    expect(extract('тушь мейбелин', more).filters.brand).toEqual(['Maybelline New York']);
    expect(extract('new', more).filters.brand).toBeUndefined();
    expect(extract('самсунг а55', more)).toMatchObject({ filters: { brand: ['Samsung'] }, rest: [['a55']] });
    // words that merely share consonants with a brand stay themselves
    expect(extract('бусы', v).filters.brand).toBeUndefined();
    expect(extract('ножи', v).filters.brand).toBeUndefined();
  });

  it('keeps what is left to search for, numbers included', () => {
    expect(rest('угловой диван велюр')).toBe('угловой');
    expect(extract('угловой диван велюр', vocabulary).filters.material).toEqual(['велюр']);
    expect(rest('хочу серый диван до 300 тысяч')).toBe('');
    expect(rest('стол 120 см')).toBe('120 см');
  });

  it.each([
    ['до 500 тенге', 500],
    ['до 500 теңге', 500],
    ['20 мыңға дейін', 20000],
    ['under $50', 50],
    ['$50', 50],
    ['under 34.99', 34.99],
    ['до 300к', 300000],
    ['до 300 000 ₸', 300000],
    ['за 25 тысяч', 25000],
  ])('budget in "%s" is %s', (text, max) => {
    expect(extract(text, vocabulary).budgetMax).toBe(max);
  });

  it.each([
    ['Сәлем, маған диван керек', 'ru', 'kk'],
    ['маған диван керек', 'ru', 'kk'],
    ['маган диван керек', 'ru', 'kk'],
    ['хочу диван', 'en', 'ru'],
    ['I need a sofa', 'ru', 'en'],
    ['👍', 'ru', 'ru'],
    ['хочу Canon EOS R50', 'ru', 'ru'],
    ['Canon EOS R50', 'ru', 'ru'],
    ['Canon EOS R50', 'kk', 'kk'],
    ['диван', 'kk', 'kk'],
    ['do you have a black tent', 'ru', 'en'],
  ])('language of "%s" after %s is %s', (text, before, lang) => {
    expect(detectLanguage(text, before as 'ru', vocabulary)).toBe(lang);
  });

  it('the eval set covers ru, kk and en with at least 60 utterances, and the rules classify the hand-off ones', () => {
    const cases = JSON.parse(readFileSync(new URL('./eval/utterances.json', import.meta.url), 'utf8')) as Array<{ lang: string; text: string; tool: string }>;
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.lang))).toEqual(new Set(['ru', 'kk', 'en']));
    for (const c of cases.filter((x) => x.tool === 'escalate_to_manager')) expect(classify(c.text, vocabulary).kind).toBe('manager');
  });
});

describe('the vocabulary comes from the catalog, the lexicon and the store’s synonyms', () => {
  const shop = new Vocabulary(
    facetsOf([
      { category: 'Laptops', brand: 'Lenovo', color: 'Space Grey' },
      { category: 'Laptops', brand: 'Apple', color: 'Black' },
      { category: 'Phones', brand: 'Apple', color: 'black' },
      { category: 'Sleeping Bags', color: 'Green' },
      { category: 'Bags', color: 'Dark Green' },
    ]),
    lexicon,
    { Laptops: ['ноутбук', 'notebook'], Lenovo: ['леново'], computer: ['комп'] },
  );

  it('an English catalog: Russian and Kazakh colour words find its colours, every spelling of them', () => {
    expect(extract('чёрный ноутбук', shop).filters).toEqual({ color: ['black', 'Black'], category: ['Laptops'] });
    expect(extract('қара ноутбук', shop).filters.color).toEqual(['black', 'Black']);
    expect(extract('grey laptop under 500k', shop)).toMatchObject({ category: 'Laptops', color: 'Space Grey', budgetMax: 500000 });
    expect(extract('зелёный', shop).filters.color?.sort()).toEqual(['Dark Green', 'Green']);
  });

  it('a brand’s Cyrillic spelling and a merchant’s slang come from synonyms.yaml', () => {
    expect(extract('леново', shop).filters.brand).toEqual(['Lenovo']);
    expect(extract('комп', shop).rest).toEqual([['computer']]);
  });

  it('a longer category wins over its last word; one word of it names it weakly', () => {
    expect(extract('green sleeping bag', shop).filters.category).toEqual(['Sleeping Bags']);
    expect(extract('sleeping', shop).filters.category).toEqual(['Sleeping Bags']);
  });

  it('a colour the catalog lacks is named as missing, not searched for or mapped to another', () => {
    const r = extract('purple laptop', shop);
    expect(r.filters).toEqual({ category: ['Laptops'] });
    expect(r.missing).toEqual({ color: 'purple' });
    // in the shopper's own word, whatever language they wrote in
    expect(extract('фиолетовый ноутбук', shop).missing).toEqual({ color: 'фиолетовый' });
  });

  it('a catalog that writes «черный» finds the shopper’s «чёрный», and a Kazakh colour word without its letters', () => {
    const ru = new Vocabulary(
      facetsOf([
        { category: 'Куртки', color: 'черный' },
        { category: 'Куртки', color: 'Чёрный' },
      ]),
      lexicon,
    );
    expect(extract('чёрная куртка', ru).filters).toEqual({ color: ['черный', 'Чёрный'], category: ['Куртки'] });
    expect(extract('кара куртка', ru).filters.color).toEqual(['черный', 'Чёрный']);
  });

  it('follow-ups and common words', () => {
    expect([...extract('а подешевле?', shop).followUps]).toEqual(['cheaper']);
    expect([...extract('something bigger', shop).followUps]).toEqual(['bigger']);
    expect(extract('есть ли у вас что-нибудь', shop).rest).toEqual([]);
  });

  it('"ақ" is white but «ақша» is not; a pillar is not a table', () => {
    expect(extract('ақ шкаф', vocabulary).color).toBe('белый');
    expect(extract('ақша шкаф', vocabulary).color).toBeNull();
    expect(extract('столб', vocabulary).category).toBeNull();
    expect(extract('столик', vocabulary).category).toBe('Столы');
  });
});
