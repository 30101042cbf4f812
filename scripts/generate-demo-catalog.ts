/**
 * Generates templates/samples/furniture/catalog.json: a furniture store of about 300 products in KZT,
 * Russian names, Russian and English descriptions. Deterministic (seeded), so the committed
 * file is reproducible: node --import tsx scripts/generate-demo-catalog.ts
 */
import { writeFileSync } from 'node:fs';

let seed = 20261121;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const colors: Array<[string, string]> = [
  ['серый', 'grey'],
  ['бежевый', 'beige'],
  ['белый', 'white'],
  ['чёрный', 'black'],
  ['зелёный', 'green'],
  ['синий', 'blue'],
  ['коричневый', 'brown'],
  ['красный', 'red'],
  ['жёлтый', 'yellow'],
  ['голубой', 'light blue'],
];
const styles: Array<[string, string]> = [
  ['лофт', 'loft'],
  ['скандинавский', 'Scandinavian'],
  ['классический', 'classic'],
  ['современный', 'modern'],
  ['минимализм', 'minimalist'],
];
const materials: Array<[string, string]> = [
  ['велюр', 'velour'],
  ['рогожка', 'matting fabric'],
  ['экокожа', 'faux leather'],
  ['натуральная кожа', 'leather'],
  ['массив дуба', 'solid oak'],
  ['ЛДСП', 'chipboard'],
  ['металл', 'metal'],
  ['стекло', 'glass'],
];
const brands = ['Zeta Home', 'Nordik', 'Astana Mebel', 'Loft Line', 'Casa Bella', 'Uyut'];
const models = [
  'Осло',
  'Берген',
  'Милан',
  'Верона',
  'Лион',
  'Алматы',
  'Астана',
  'Турин',
  'Прага',
  'Вена',
  'Рига',
  'Мадрид',
  'Бостон',
  'Честер',
  'Сканди',
  'Лофт',
  'Нео',
  'Флора',
  'Гранд',
  'Комфорт',
];

interface Kind {
  category: string;
  en: string;
  n: number;
  types: Array<[string, string]>;
  price: [number, number];
  mats: number[];
}
const kinds: Kind[] = [
  {
    category: 'Диваны',
    en: 'sofa',
    n: 60,
    types: [
      ['Диван угловой', 'corner sofa'],
      ['Диван прямой', 'straight sofa'],
      ['Диван-кровать', 'sofa bed'],
      ['Диван модульный', 'modular sofa'],
    ],
    price: [119_990, 749_990],
    mats: [0, 1, 2, 3],
  },
  {
    category: 'Кресла',
    en: 'armchair',
    n: 45,
    types: [
      ['Кресло', 'armchair'],
      ['Кресло-качалка', 'rocking chair'],
      ['Кресло мягкое', 'lounge armchair'],
    ],
    price: [39_990, 249_990],
    mats: [0, 1, 2, 3],
  },
  {
    category: 'Столы',
    en: 'table',
    n: 40,
    types: [
      ['Стол обеденный', 'dining table'],
      ['Стол журнальный', 'coffee table'],
      ['Стол письменный', 'desk'],
    ],
    price: [24_990, 349_990],
    mats: [4, 5, 6, 7],
  },
  {
    category: 'Стулья',
    en: 'chair',
    n: 40,
    types: [
      ['Стул', 'chair'],
      ['Стул барный', 'bar stool'],
      ['Стул с подлокотниками', 'chair with armrests'],
    ],
    price: [12_990, 89_990],
    mats: [0, 2, 4, 6],
  },
  {
    category: 'Кровати',
    en: 'bed',
    n: 35,
    types: [
      ['Кровать двуспальная', 'double bed'],
      ['Кровать односпальная', 'single bed'],
      ['Кровать с подъёмным механизмом', 'storage bed'],
    ],
    price: [89_990, 599_990],
    mats: [0, 2, 4, 5],
  },
  {
    category: 'Шкафы',
    en: 'wardrobe',
    n: 30,
    types: [
      ['Шкаф-купе', 'sliding wardrobe'],
      ['Шкаф распашной', 'hinged wardrobe'],
      ['Стеллаж', 'shelving unit'],
    ],
    price: [49_990, 449_990],
    mats: [4, 5, 6],
  },
  {
    category: 'Освещение',
    en: 'lighting',
    n: 30,
    types: [
      ['Люстра', 'chandelier'],
      ['Торшер', 'floor lamp'],
      ['Лампа настольная', 'table lamp'],
      ['Бра', 'wall lamp'],
    ],
    price: [9_990, 189_990],
    mats: [6, 7],
  },
  {
    category: 'Декор',
    en: 'decor',
    n: 25,
    types: [
      ['Ваза', 'vase'],
      ['Зеркало', 'mirror'],
      ['Подушка декоративная', 'cushion'],
      ['Картина', 'wall art'],
      ['Ковёр', 'rug'],
    ],
    price: [4_990, 149_990],
    mats: [0, 6, 7],
  },
];

const products = [];
let n = 0;
for (const k of kinds) {
  for (let i = 0; i < k.n; i++) {
    n++;
    const [type, typeEn] = pick(k.types);
    const [color, colorEn] = pick(colors);
    const [style, styleEn] = pick(styles);
    const [material, materialEn] = materials[pick(k.mats)]!;
    const model = pick(models);
    const raw = k.price[0] + rnd() * (k.price[1] - k.price[0]);
    const price = Math.round(raw / 1000) * 1000 - 10;
    const discounted = rnd() < 0.25;
    const stock = rnd() < 0.12 ? 0 : 1 + Math.floor(rnd() * 20);
    const width = 40 + Math.floor(rnd() * 260);
    products.push({
      id: `ZT-${String(n).padStart(4, '0')}`,
      name: `${type} «${model}» ${color}`,
      description: `${type} «${model}» в стиле ${style}, материал — ${material}, цвет ${color}. Ширина ${width} см. / ${styleEn} ${colorEn} ${typeEn} "${model}", ${materialEn}, ${width} cm wide.`,
      category: k.category,
      brand: pick(brands),
      color,
      style,
      material,
      price: discounted ? Math.round((price * 0.85) / 1000) * 1000 - 10 : price,
      old_price: discounted ? price : null,
      currency: 'KZT',
      stock,
      image_url: null,
      url: `https://demo.vitrina.shop/p/ZT-${String(n).padStart(4, '0')}`,
      tags: [k.en, styleEn.toLowerCase(), colorEn],
      attributes: { width_cm: width },
    });
  }
}
writeFileSync(new URL('../templates/samples/furniture/catalog.json', import.meta.url), JSON.stringify({ products }, null, 1) + '\n');
console.log(`${products.length} products`);
