/**
 * bench/onec-import: a 1C exchange of BENCH_GOODS goods and as many offers through the real
 * endpoint of the real service process, as 1C runs it (checkauth, init, the files zipped and
 * sent in file_limit chunks, `mode=import` repeated until success, deactivate, complete).
 *
 * The exchange is generated: a tree of groups, a colour and a brand property with dictionaries,
 * goods with article, barcode, description and properties, three price types (the store picks
 * «Розничная»), three warehouses. Time runs from checkauth to complete (1C's packing is not
 * counted); memory is the service process's resident set, sampled every 100 ms, against the
 * same process idle before the exchange.
 *
 *   npm run bench:onec-import      (BENCH_GOODS=100000, BENCH_BACKENDS=postgres,pglite, BENCH_ZIP=yes)
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { OneCClient } from '../test/fakes/onec-client.ts';
import { freePort, headline, procMemory, startProcess, stopProcess, table } from './lib.ts';

const GOODS = Number(process.env.BENCH_GOODS ?? 100_000);
const ZIP = (process.env.BENCH_ZIP ?? 'yes') === 'yes';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const COLORS = ['Белый', 'Чёрный', 'Серый', 'Бежевый', 'Синий', 'Зелёный', 'Красный', 'Коричневый'];
const BRANDS = Array.from({ length: 40 }, (_, i) => `Бренд ${i + 1}`);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const guid = (kind: number, i: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** import.xml and offers.xml of the generated store, written piece by piece. */
function generate(dir: string): { importFile: string; offersFile: string } {
  const groups: string[] = [];
  for (let r = 0; r < 10; r++) {
    const kids = Array.from(
      { length: 8 },
      (_, k) => `<Группа><Ид>${guid(2, r * 100 + k + 1)}</Ид><Наименование>Раздел ${r + 1}.${k + 1}</Наименование></Группа>`,
    ).join('');
    groups.push(`<Группа><Ид>${guid(1, r)}</Ид><Наименование>Раздел ${r + 1}</Наименование><Группы>${kids}</Группы></Группа>`);
  }
  const dict = (values: string[], kind: number) =>
    values.map((v, i) => `<Справочник><ИдЗначения>${guid(kind, i)}</ИдЗначения><Значение>${esc(v)}</Значение></Справочник>`).join('');
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2026-12-04T10:00:00">`;
  const parts: string[] = [
    head,
    `<Классификатор><Ид>cat</Ид><Наименование>Классификатор</Наименование><Группы>${groups.join('')}</Группы><Свойства>`,
    `<Свойство><Ид>${guid(3, 1)}</Ид><Наименование>Цвет</Наименование><ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>${dict(COLORS, 4)}</ВариантыЗначений></Свойство>`,
    `<Свойство><Ид>${guid(3, 2)}</Ид><Наименование>Бренд</Наименование><ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>${dict(BRANDS, 5)}</ВариантыЗначений></Свойство>`,
    `<Свойство><Ид>${guid(3, 3)}</Ид><Наименование>Ширина</Наименование><ТипЗначений>Число</ТипЗначений></Свойство>`,
    `</Свойства></Классификатор><Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cat</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>`,
  ];
  for (let i = 0; i < GOODS; i++) {
    const g = guid(2, (i % 10) * 100 + (i % 8) + 1);
    parts.push(
      `<Товар><Ид>${guid(9, i)}</Ид><Штрихкод>${String(4600000000000 + i)}</Штрихкод><Артикул>ART-${i}</Артикул><Наименование>Товар ${i} модель ${(i * 7919) % 10007}</Наименование>` +
        `<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница><Группы><Ид>${g}</Ид></Группы><Описание>Описание товара ${i}: прочный, удобный, гарантия ${1 + (i % 3)} года.</Описание>` +
        `<Картинка>import_files/${String(i % 100).padStart(2, '0')}/${guid(9, i)}.jpg</Картинка>` +
        `<ЗначенияСвойств><ЗначенияСвойства><Ид>${guid(3, 1)}</Ид><Значение>${guid(4, i % COLORS.length)}</Значение></ЗначенияСвойства>` +
        `<ЗначенияСвойства><Ид>${guid(3, 2)}</Ид><Значение>${guid(5, i % BRANDS.length)}</Значение></ЗначенияСвойства>` +
        `<ЗначенияСвойства><Ид>${guid(3, 3)}</Ид><Значение>${40 + (i % 160)}</Значение></ЗначенияСвойства></ЗначенияСвойств>` +
        `<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>ВидНоменклатуры</Наименование><Значение>Товар</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>`,
    );
  }
  parts.push('</Товары></Каталог></КоммерческаяИнформация>');
  const importFile = join(dir, 'import.xml');
  writeFileSync(importFile, parts.join('\n'));

  const stores = [1, 2, 3].map((k) => guid(7, k));
  const offers: string[] = [
    head,
    `<ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога><ИдКлассификатора>cat</ИдКлассификатора><Наименование>Пакет предложений</Наименование><ТипыЦен>`,
    ...['Закупочная', 'Оптовая', 'Розничная'].map((n, k) => `<ТипЦены><Ид>${guid(6, k)}</Ид><Наименование>${n}</Наименование><Валюта>KZT</Валюта></ТипЦены>`),
    `</ТипыЦен><Склады>${stores.map((s, k) => `<Склад><Ид>${s}</Ид><Наименование>Склад ${k + 1}</Наименование></Склад>`).join('')}</Склады><Предложения>`,
  ];
  for (let i = 0; i < GOODS; i++) {
    const retail = 5000 + ((i * 104729) % 500000);
    const q = [i % 5, (i * 3) % 7, i % 2];
    offers.push(
      `<Предложение><Ид>${guid(9, i)}</Ид><Артикул>ART-${i}</Артикул><Наименование>Товар ${i}</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница><Цены>` +
        [retail * 0.6, retail * 0.8, retail]
          .map(
            (p, k) =>
              `<Цена><Представление>${p} KZT за шт</Представление><ИдТипаЦены>${guid(6, k)}</ИдТипаЦены><ЦенаЗаЕдиницу>${p.toFixed(2).replace('.', ',')}</ЦенаЗаЕдиницу><Валюта>KZT</Валюта><Единица>шт</Единица></Цена>`,
          )
          .join('') +
        `</Цены><Количество>${q[0]! + q[1]! + q[2]!}</Количество>${stores.map((s, k) => `<Склад ИдСклада="${s}" КоличествоНаСкладе="${q[k]}"/>`).join('')}</Предложение>`,
    );
  }
  offers.push('</Предложения></ПакетПредложений></КоммерческаяИнформация>');
  const offersFile = join(dir, 'offers.xml');
  writeFileSync(offersFile, offers.join('\n'));
  return { importFile, offersFile };
}

const rss = (pid: number) => procMemory(pid, 'VmRSS');
const MB = (b: number) => (b / 1024 / 1024).toFixed(0);

async function run(backend: 'postgres' | 'pglite', sends: Array<{ name: string; data: Uint8Array }>) {
  const id = `vt_bench_onec_${Date.now().toString(36)}`;
  const admin = backend === 'postgres' ? postgres(DATABASE_URL, { max: 1, onnotice: () => {} }) : null;
  await admin?.unsafe(`create database ${id}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${id}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vt-bench-onec-'));
  const storeDir = mkdtempSync(join(tmpdir(), 'vt-bench-onec-store-'));
  writeFileSync(
    join(storeDir, 'store.yaml'),
    readFileSync('templates/samples/furniture/store.yaml', 'utf8').replace('# price_type: Розничная', 'price_type: Розничная'),
  );
  const port = await freePort();
  const child = await startProcess(
    'src/main.ts',
    {
      PORT: String(port),
      ...(backend === 'postgres' ? { DATABASE_URL: url.toString() } : { DATA_DIR: dataDir, DEMO_CATALOG: 'off' }),
      STORE_DIR: storeDir,
      ONEC_USER: 'bench',
      ONEC_PASSWORD: 'bench-exchange',
      LOG_LEVEL: 'warn',
      CRON: 'off',
    },
    `http://127.0.0.1:${port}/healthz`,
  );
  const pid = child.pid!;
  // idle: the started process after a moment, collected
  await new Promise((r) => setTimeout(r, 2000));
  const idle = rss(pid);
  let peak = idle;
  const timeline: number[] = [];
  const sampler = setInterval(() => {
    const m = rss(pid);
    peak = Math.max(peak, m);
    timeline.push(m);
  }, 100);

  const client = new OneCClient({
    fetch: (u, init) => fetch(u, init),
    url: `http://127.0.0.1:${port}/exchange/1c`,
    user: 'bench',
    password: 'bench',
    useZip: ZIP,
  });
  const t0 = performance.now();
  await client.checkauth('catalog');
  await client.init();
  for (const a of await client.send(sends)) if (a !== 'success') throw new Error(`upload refused: ${a}`);
  const uploaded = performance.now();
  const phases: Record<string, number> = {};
  for (const name of ['import.xml', 'offers.xml']) {
    const s = performance.now();
    const r = await client.import(name);
    if (r.lines[0] !== 'success') throw new Error(`${name}: ${r.lines.join(' ')}`);
    phases[name] = performance.now() - s;
  }
  await client.deactivate();
  await client.complete();
  const total = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, rss(pid));
  if (process.env.BENCH_TIMELINE)
    console.log(
      `rss MB every second: ${timeline
        .filter((_, i) => i % 10 === 0)
        .map((m) => MB(m - idle))
        .join(' ')}`,
    );

  const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, string> };
  await stopProcess(child);
  await admin?.unsafe(`drop database if exists ${id} with (force)`);
  await admin?.end();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
  return {
    row: {
      backend: backend === 'postgres' ? 'Postgres' : 'PGlite',
      'sent MB': MB(sends.reduce((a, s) => a + s.data.length, 0)),
      calls: client.calls.length,
      'upload s': ((uploaded - t0) / 1000).toFixed(1),
      'import.xml s': (phases['import.xml']! / 1000).toFixed(1),
      'offers.xml s': (phases['offers.xml']! / 1000).toFixed(1),
      'total s': (total / 1000).toFixed(1),
      'idle MB': MB(idle),
      'peak MB': MB(peak),
      'peak − idle MB': MB(peak - idle),
    },
    exchange: ready.checks.catalog_exchange ?? '',
    total,
    growth: peak - idle,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vt-bench-onec-files-'));
const g0 = performance.now();
const paths = generate(dir);
console.log(
  `generated ${GOODS} goods and offers in ${((performance.now() - g0) / 1000).toFixed(1)} s: import.xml ${MB(readFileSync(paths.importFile).length)} MB, offers.xml ${MB(readFileSync(paths.offersFile).length)} MB; zip ${ZIP ? 'yes' : 'no'}`,
);
// 1C packs the files before it starts calling (this service answers zip=yes): not timed
const packer = new OneCClient({ fetch, url: '', user: '', password: '' });
packer.zip = ZIP;
const sends = packer.pack([
  { name: 'import.xml', data: readFileSync(paths.importFile) },
  { name: 'offers.xml', data: readFileSync(paths.offersFile) },
]);
const results = [];
for (const b of (process.env.BENCH_BACKENDS ?? 'postgres,pglite').split(',') as Array<'postgres' | 'pglite'>) {
  const r = await run(b, sends);
  console.log(`${b}: ${r.exchange}`);
  results.push(r);
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `onec-import: a 1C exchange of ${GOODS} goods and ${GOODS} offers through /exchange/1c of the service process (checkauth → complete; 1C's packing not timed)`,
);
console.log(table(results.map((r) => r.row)));
headline(
  results.flatMap((r) => [
    {
      benchmark: 'onec-import',
      measure: `1C exchange of ${GOODS} goods + offers, ${r.row.backend}`,
      result: `${r.row['total s']} s`,
      goal: '≤ 60 s',
      met: r.total <= 60_000,
    },
    {
      benchmark: 'onec-import',
      measure: `service memory above idle during it, ${r.row.backend}`,
      result: `${r.row['peak − idle MB']} MB`,
      goal: '≤ 150 MB',
      met: r.growth <= 150 * 1024 * 1024,
    },
  ]),
);
process.exit(0);
