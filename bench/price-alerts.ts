/**
 * bench/price-alerts: 1,000,000 active alerts over 100,000 products on Postgres, 10,000 of them
 * due. Times the set-based scan, the job that marks 10,000 triggered and enqueues their
 * templates, and the send pace against WHATSAPP_MAX_MPS (80) for BENCH_SEND_SECONDS.
 *
 *   npm run bench:price-alerts
 */
import pino from 'pino';
import postgres from 'postgres';
import { loadConfig } from '../src/config.ts';
import { query, sql } from '../src/db/database.ts';
import { runPriceAlerts } from '../src/jobs/price-alerts.ts';
import { buildServices } from '../src/services/services.ts';
import { FakeGraphApi } from '../test/fakes/graph-api.ts';
import { table, headline } from './lib.ts';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1_000_000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const DUE = Number(process.env.BENCH_DUE ?? 10_000);
const SEND_SECONDS = Number(process.env.BENCH_SEND_SECONDS ?? 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const dbName = `vt_bench_alerts_${Date.now().toString(36)}`;
const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const url = new URL(DATABASE_URL);
url.pathname = `/${dbName}`;
const graph = await new FakeGraphApi().start();
const s = await buildServices(
  loadConfig({
    DATABASE_URL: url.toString(),
    REDIS_URL,
    WHATSAPP_TOKEN: 't',
    WHATSAPP_APP_SECRET: 's',
    WHATSAPP_VERIFY_TOKEN: 'v',
    WHATSAPP_PHONE_NUMBER_ID: '1',
    WHATSAPP_API_URL: graph.url,
    WHATSAPP_MAX_MPS: '80',
    OUTBOX_CONCURRENCY: '16',
    WORKER_POLL_MS: '50',
  }),
  { log: pino({ level: 'silent' }), redisPrefix: `${dbName}:` },
);
const db = s.database.db;
const rows: Array<Record<string, string | number>> = [];
const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const r = await fn();
  rows.push({ step: label, seconds: ((performance.now() - t) / 1000).toFixed(2) });
  return r;
};
try {
  await timed(`seed ${PRODUCTS} products, ${ALERTS} alerts (${DUE} due)`, async () => {
    await db.execute(sql`insert into products (id, name, category, price, currency, stock)
      select 'P' || i, 'Товар ' || i, 'Диваны', 10000000 + (i % 1000) * 1000, 'KZT', 5 from generate_series(1, ${PRODUCTS}) i`);
    await db.execute(sql`insert into shoppers (key, wa_id, last_inbound_at, language)
      select '7707' || lpad(i::text, 7, '0'), '7707' || lpad(i::text, 7, '0'), now(), 'ru' from generate_series(1, ${ALERTS / 10}) i`);
    // each shopper watches 10 products; the first DUE alerts have a target at or above the price
    await db.execute(sql`insert into price_alerts (shopper_key, product_id, kind, base_price, target_price, created_at)
      select '7707' || lpad(((i - 1) / 10 + 1)::text, 7, '0'), 'P' || (1 + ((i * 7919) % ${PRODUCTS})), 'percent',
        10000000 + (((1 + ((i * 7919) % ${PRODUCTS}))) % 1000) * 1000,
        case when i <= ${DUE} then 999999999 else 1000 end, now()
      from generate_series(1::bigint, ${ALERTS}::bigint) i
      on conflict do nothing`);
    await db.execute(sql`analyze`);
  });
  const [{ n: active }] = (await query<{ n: number }>(db, sql`select count(*)::int as n from price_alerts where status = 'active'`)) as [{ n: number }];
  const [{ n: due }] = (await timed('scan: alerts at or under target (set-based query)', () =>
    query<{ n: number }>(
      db,
      sql`select count(*)::int as n from price_alerts a join products p on p.id = a.product_id where a.status = 'active' and p.price <= a.target_price and p.stock > 0`,
    ),
  )) as [{ n: number }];
  const counts = await timed(`job: mark ${due} triggered + enqueue templates`, () =>
    runPriceAlerts({ db, now: new Date(), templates: s.templates.current(), defaultLanguage: 'ru' }),
  );
  await timed('job again: nothing due', () => runPriceAlerts({ db, now: new Date(), templates: s.templates.current(), defaultLanguage: 'ru' }));
  s.sender.pump.start();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SEND_SECONDS * 1000));
  const sent = graph.sends.length;
  const pace = sent / ((performance.now() - t0) / 1000);
  await s.sender.pump.stop();
  console.log(`price-alerts: ${active} active alerts over ${PRODUCTS} products on Postgres; ${counts.triggered} triggered, ${counts.enqueued} enqueued`);
  console.log(table(rows));
  const seconds = (label: string) => Number(rows.find((r) => String(r.step).startsWith(label))?.seconds);
  headline([
    {
      benchmark: 'price-alerts',
      measure: `scan ${ALERTS} alerts over ${PRODUCTS} products`,
      result: `${seconds('scan')} s`,
      goal: '≤ 5 s',
      met: seconds('scan') <= 5,
    },
    { benchmark: 'price-alerts', measure: `mark ${counts.triggered} triggered + enqueue`, result: `${seconds('job: mark')} s`, goal: 'reported' },
    { benchmark: 'price-alerts', measure: 'send pace, WHATSAPP_MAX_MPS=80', result: `${pace.toFixed(1)}/s`, goal: '≤ 80/s', met: pace <= 80 },
  ]);
  console.log(
    `send pace: ${sent} templates in ${SEND_SECONDS} s = ${pace.toFixed(1)}/s against WHATSAPP_MAX_MPS=80 (10,000 take about ${(DUE / 80 / 60).toFixed(1)} min)`,
  );
} finally {
  await s.close();
  await graph.stop();
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
process.exit(0);
