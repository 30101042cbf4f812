/**
 * bench/orders: what placing an order adds to a turn, and how long an invoice takes to render.
 *
 * Shoppers are brought to the checkout summary through the real service (a WhatsApp `order`,
 * pickup, their name). Then each taps "confirm": half with the button of an older summary
 * (the turn checks the cart against the catalog and shows the summary again — every read of a
 * confirm, no order), half with the current one (the same reads, plus the order, its lines,
 * the stock reserved, the history row, the cart emptied and three replies). Both are timed
 * from inbox claim to committed outbox write, at the same steady rate, with the sender paused
 * (its three sends per order are outbox work after the turn, not the turn's); the difference of
 * their p95 is what placement adds. Then invoices for the placed orders are rendered to PDF.
 *
 *   npm run bench:orders      (BENCH_SHOPPERS=400, BENCH_RATE=50, BENCH_BACKENDS=postgres,pglite)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import postgres from 'postgres';
import { createApp } from '../src/app.ts';
import { loadDemoCatalogIfEmpty } from '../src/catalog/demo.ts';
import { loadConfig } from '../src/config.ts';
import { query, sql } from '../src/db/database.ts';
import { renderInvoice } from '../src/orders/invoice.ts';
import { listOrders } from '../src/orders/order-repo.ts';
import { buildServices, type Services } from '../src/services/services.ts';
import { messagesEnvelope } from '../src/webhook/envelopes.ts';
import { signBody } from '../src/webhook/signature.ts';
import { FakeGraphApi } from '../test/fakes/graph-api.ts';
import { benchServiceEnv, pct, headline, table } from './lib.ts';

const SHOPPERS = Number(process.env.BENCH_SHOPPERS ?? 400);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function run(backend: 'postgres' | 'pglite') {
  const graph = await new FakeGraphApi().start();
  const id = `vt_bench_orders_${Date.now().toString(36)}`;
  const admin = backend === 'postgres' ? postgres(DATABASE_URL, { max: 1, onnotice: () => {} }) : null;
  await admin?.unsafe(`create database ${id}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${id}`;
  const dataDir = backend === 'pglite' ? mkdtempSync(join(tmpdir(), 'vt-bench-orders-')) : null;
  const latencies: number[] = [];
  const config = loadConfig({
    ...(backend === 'postgres' ? { DATABASE_URL: url.toString(), REDIS_URL } : { DATA_DIR: dataDir! }),
    ...benchServiceEnv(graph.url),
    PUBLIC_URL: 'https://shop.example.kz',
    CHECKOUT_URL: 'https://pay.example.kz/?o={order}&t={total}&c={currency}',
    BOT: 'assistant',
  });
  const s: Services = await buildServices(config, { log: pino({ level: 'silent' }), observeTurn: (ms) => latencies.push(ms), redisPrefix: `${id}:` });
  await loadDemoCatalogIfEmpty({ db: s.database.db, writes: s.catalogWrites, log: s.log, storeDir: config.storeDir });
  await s.database.db.execute(sql`update products set stock = 100000`);
  await s.vocabulary.refresh();
  const app = createApp(s);
  s.inbox.pump.start();
  s.sender.pump.start();
  const products = await query<{ id: string; price: string }>(s.database.db, sql`select id, price::text from products order by id limit 50`);

  let seq = 0;
  const post = (from: string, message: Record<string, unknown>) => {
    const body = JSON.stringify(
      messagesEnvelope({
        phoneNumberId: '1',
        from,
        name: `Покупатель ${from.slice(-4)}`,
        messages: [{ from, id: `wamid.bo.${id}.${++seq}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
      }),
    );
    return app.request('/webhook', { method: 'POST', body, headers: { 'x-hub-signature-256': signBody(body, 's'), 'content-type': 'application/json' } });
  };
  const tap = (from: string, reply: { id: string; title: string }) =>
    post(from, { type: 'interactive', interactive: { type: 'button_reply', button_reply: reply } });
  const settle = async (n: number) => {
    const deadline = Date.now() + 120_000;
    while (latencies.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  const shoppers = Array.from({ length: SHOPPERS }, (_, i) => `7707${String(i).padStart(7, '0')}`);

  // to the summary: a cart of two or three lines, pickup, the profile name
  for (const [step, make] of [
    [
      0,
      (i: number) => ({
        type: 'order',
        order: {
          catalog_id: 'c',
          text: '',
          product_items: [0, 1, 2].slice(0, 2 + (i % 2)).map((k) => ({
            product_retailer_id: products[(i + k * 7) % products.length]!.id,
            quantity: 1 + (k % 2),
            item_price: Number(products[(i + k * 7) % products.length]!.price) / 100,
            currency: 'KZT',
          })),
        },
      }),
    ],
    [1, () => ({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'ship:pickup', title: 'Самовывоз' } } })],
    [2, () => ({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'name:profile', title: 'Покупатель' } } })],
  ] as const) {
    await Promise.all(shoppers.map((from, i) => post(from, make(i))));
    await settle(SHOPPERS * (step + 1));
  }
  const confirmOf = (from: string) =>
    [...graph.sendsTo(from).map((x) => x.body)]
      .reverse()
      .find((b: Record<string, any>) => String(b.interactive?.body?.text ?? '').startsWith('Проверьте заказ:'))!.interactive.action.buttons[0].reply as {
      id: string;
      title: string;
    };

  // a steady RATE of confirm taps; `stale` taps carry an older summary's button
  const phase = async (group: string[], stale: boolean) => {
    const from = latencies.length;
    const started = performance.now();
    for (let n = 0; n < group.length; n++) {
      const due = started + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const c = confirmOf(group[n]!);
      void tap(group[n]!, stale ? { id: 'confirm:0000000000000000', title: c.title } : c);
    }
    await settle(from + group.length);
    return latencies.slice(from);
  };
  const half = Math.floor(SHOPPERS / 2);
  // The sender waits while confirms are timed: a placed order has three replies to send (the
  // confirmation, the link, the invoice) against the summary's one, and on one machine (one
  // PGlite connection) those sends would be timed as the turns' own work. They go after.
  await s.sender.pump.stop();
  // warm both paths first, outside the measurement
  await phase(shoppers.slice(0, 20), true);
  await phase(shoppers.slice(0, 20), false);
  const summary = await phase(shoppers.slice(20, half + 10), true);
  const placed = await phase(shoppers.slice(half + 10), false);
  s.sender.pump.start();
  await s.sender.pump.drain();
  const orders = (await query<{ n: number }>(s.database.db, sql`select count(*)::int as n from orders`))[0]!.n;

  // invoices of the placed orders
  const list = await listOrders(s.database.db, { limit: 200 });
  const cold = performance.now();
  await renderInvoice(list[0]!, s.profile.current(), s.assistant.phrases);
  const coldMs = performance.now() - cold;
  const renders: number[] = [];
  let bytes = 0;
  for (const o of list) {
    const t0 = performance.now();
    const pdf = await renderInvoice(o, s.profile.current(), s.assistant.phrases);
    renders.push(performance.now() - t0);
    bytes += pdf.length;
  }

  await s.close();
  await graph.stop();
  await admin?.unsafe(`drop database if exists ${id} with (force)`);
  await admin?.end();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return {
    backend: backend === 'postgres' ? 'Postgres + Redis' : 'PGlite + memory',
    'confirm turns': `${summary.length} + ${placed.length}`,
    'orders placed': orders,
    'no order p50/p95 ms': `${pct(summary, 50).toFixed(1)} / ${pct(summary, 95).toFixed(1)}`,
    'order placed p50/p95 ms': `${pct(placed, 50).toFixed(1)} / ${pct(placed, 95).toFixed(1)}`,
    'added p95 ms': (pct(placed, 95) - pct(summary, 95)).toFixed(1),
    'invoice p50/p95 ms': `${pct(renders, 50).toFixed(1)} / ${pct(renders, 95).toFixed(1)}`,
    'invoice first ms': coldMs.toFixed(0),
    'invoice KB': (bytes / renders.length / 1024).toFixed(1),
  };
}

const backends = (process.env.BENCH_BACKENDS ?? 'postgres,pglite').split(',') as Array<'postgres' | 'pglite'>;
const rows = [];
for (const b of backends) rows.push(await run(b));
console.log(
  `orders: ${SHOPPERS} shoppers to the checkout summary, then confirm taps at ${RATE}/s (an older summary's button: no order; the current one: an order); claim → committed outbox write`,
);
console.log(table(rows));
headline(
  rows.flatMap((r) => [
    {
      benchmark: 'orders',
      measure: `order placement added to a confirm turn, p95, ${r.backend}`,
      result: `${r['added p95 ms']} ms`,
      goal: '≤ 5 ms',
      met: Number(r['added p95 ms']) <= 5,
    },
    {
      benchmark: 'orders',
      measure: `invoice PDF render, p95, ${r.backend}`,
      result: `${r['invoice p50/p95 ms'].split(' / ')[1]} ms`,
      goal: '≤ 100 ms',
      met: Number(r['invoice p50/p95 ms'].split(' / ')[1]) <= 100,
    },
  ]),
);
process.exit(0);
