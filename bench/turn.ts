/**
 * bench/turn: time from inbox claim to committed outbox write, per turn, at steady offered rates
 * on Postgres + Redis, with a zero-latency fake model (search tool call, then words) and with
 * the offline assistant. Prints p50/p95/p99, the rate achieved and the CPU time per turn
 * (process.cpuUsage over the run ÷ turns: it moves less between machines than latency), the
 * messages sent per turn and what they cost per 100 conversations at the shipped rates (every
 * reply a billed service message since 2026-10-01; a conversation is one shopper's turns in the
 * run).
 *
 * The fakes of Graph API and the model run in a process of their own (bench/fakes-process.ts),
 * as Meta and OpenAI are not on the service's CPU; their CPU per turn is printed apart. Each rate
 * starts after WARMUP turns from other shoppers, not counted (the JIT, lazily loaded modules and
 * the pools settle over the first few hundred turns). `BENCH_FAKES=in-process BENCH_WARMUP=0`
 * measures as this benchmark did until 2026-12-07: one process, from a cold start.
 *
 *   npm run bench:turn   (BENCH_SECONDS, BENCH_RATES=50,100,200, BENCH_MODES=model,offline,
 *                         BENCH_WARMUP=500, BENCH_FAKES=in-process)
 */
import pino from 'pino';
import postgres from 'postgres';
import { createApp } from '../src/app.ts';
import { loadDemoCatalogIfEmpty } from '../src/catalog/demo.ts';
import { loadConfig } from '../src/config.ts';
import { buildServices } from '../src/services/services.ts';
import { signBody } from '../src/webhook/signature.ts';
import { startFakes } from './fakes-process.ts';
import { messagesEnvelope, textMessage } from '../src/webhook/envelopes.ts';
import { loadRateCard } from '../src/analytics/rate-card.ts';
import { benchServiceEnv, pct, table, headline } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '50,100,200').split(',').map(Number);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SHOPPERS = 500;
const WARMUP = Number(process.env.BENCH_WARMUP ?? SHOPPERS);
const FAKES_IN_PROCESS = process.env.BENCH_FAKES === 'in-process';
const card = loadRateCard();
const QUERIES = ['хочу серый диван до 300 тысяч', 'покажи кресла', 'белый шкаф', 'grey sofa under 200k', 'стол журнальный', 'маған жасыл кресло керек'];

async function run(mode: 'model' | 'offline', RATE: number): Promise<Record<string, string | number>> {
  const fakes = await startFakes({ inProcess: FAKES_IN_PROCESS });
  // Every turn: one search tool call, then the words.
  if (mode === 'model')
    await fakes.script(
      [{ toolCalls: [{ name: 'search_products', args: { query: 'диван', color: 'серый' } }] }, { content: 'Вот что нашлось' }],
      RATE * SECONDS + WARMUP + 100,
    );
  const db = `vt_bench_turn_${Date.now().toString(36)}`;
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${db}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${db}`;
  const latencies: number[] = [];
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    REDIS_URL,
    ...benchServiceEnv(fakes.graphUrl),
    ...(mode === 'model' ? { OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: fakes.modelUrl } : {}),
  });
  const s = await buildServices(config, { log: pino({ level: 'silent' }), observeTurn: (ms) => latencies.push(ms), redisPrefix: `${db}:` });
  await loadDemoCatalogIfEmpty({ db: s.database.db, writes: s.catalogWrites, log: s.log, storeDir: config.storeDir });
  await s.vocabulary.refresh();
  // a store's product embeddings are computed long before its shoppers write
  await s.embeddings?.refresh();
  const app = createApp(s);
  s.inbox.pump.start();
  s.sender.pump.start();

  // Offers `count` webhooks at RATE from webhook number `from` and waits until each is a turn.
  const offer = async (prefix: string, from: number, count: number): Promise<void> => {
    const begun = performance.now();
    const answered = latencies.length;
    let n = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(count, Math.floor(((performance.now() - begun) / 1000) * RATE));
        for (; n < due; n++) {
          const k = from + n;
          const wa = `${prefix}${String(k % SHOPPERS).padStart(7, '0')}`;
          const body = JSON.stringify(
            messagesEnvelope({
              phoneNumberId: '1',
              from: wa,
              name: 'B',
              messages: [textMessage({ from: wa, id: `wamid.turn.${db}.${prefix}.${k}`, body: QUERIES[k % QUERIES.length]! })],
            }),
          );
          void app.request('/webhook', { method: 'POST', body, headers: { 'x-hub-signature-256': signBody(body, 's'), 'content-type': 'application/json' } });
        }
        if (n >= count) {
          clearInterval(tick);
          resolve();
        }
      }, 5);
    });
    const deadline = Date.now() + 60_000;
    while (latencies.length < answered + count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  // Warm-up, not counted, from other shoppers: the JIT, lazily loaded modules and the pools
  // settle on the first few hundred turns, as in a process that has served a minute.
  await offer('7707', 0, WARMUP);
  latencies.length = 0;
  const before = await fakes.report();

  const total = RATE * SECONDS;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  await offer('7706', 0, total);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const after = await fakes.report();
  const sentTo = after.sentTo.slice(before.sentTo.length);
  const usd = sentTo.reduce((sum, to) => sum + (card.price({ country: card.countryOf(to), category: 'service', at: new Date() }) ?? 0), 0);
  await s.close();
  await fakes.stop();
  await admin.unsafe(`drop database if exists ${db} with (force)`);
  await admin.end();
  return {
    assistant: mode === 'model' ? 'fake model (tool call + words)' : 'offline rules',
    offered: `${RATE}/s`,
    turns: latencies.length,
    'turns/s': (latencies.length / elapsed).toFixed(0),
    'p50 ms': pct(latencies, 50).toFixed(1),
    'p95 ms': pct(latencies, 95).toFixed(1),
    'p99 ms': pct(latencies, 99).toFixed(1),
    // user + system CPU of the service's process (the service and the webhooks it is offered;
    // the fakes too with BENCH_FAKES=in-process) per answered turn
    'CPU ms/turn': ((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)).toFixed(2),
    'fakes CPU ms/turn': FAKES_IN_PROCESS ? 'counted left' : ((after.cpuMs - before.cpuMs) / Math.max(1, latencies.length)).toFixed(2),
    'msgs/turn': (sentTo.length / Math.max(1, latencies.length)).toFixed(2),
    'USD/100 conv': ((100 * usd) / Math.min(SHOPPERS, Math.max(1, latencies.length))).toFixed(2),
  };
}

const modes = (process.env.BENCH_MODES ?? 'model,offline').split(',') as Array<'model' | 'offline'>;
const rows = [];
for (const m of modes) for (const r of RATES) rows.push(await run(m, r));
console.log(
  `turn: claim → committed outbox write, ${SECONDS} s per rate after ${WARMUP} warm-up turns, Postgres + Redis, demo catalog; ` +
    (FAKES_IN_PROCESS ? 'load, fakes and service share one process' : 'load and service in one process, the fakes in another'),
);
console.log(table(rows));
const top = Math.max(...RATES);
// Issue 27's goals for the model path: p50 ≤ 15 ms at 50/s offered; ≥ 160 turns/s at 200/s.
const model = rows.filter((r) => String(r.assistant).startsWith('fake model'));
headline(
  model
    .filter((r) => r.offered === '50/s')
    .map((r) => ({
      benchmark: 'turn',
      measure: `${r.assistant}, 50/s offered`,
      result: `p50 ${r['p50 ms']} ms, p99 ${r['p99 ms']} ms, ${r['CPU ms/turn']} ms CPU per turn`,
      goal: 'p50 ≤ 15 ms',
      met: Number(r['p50 ms']) <= 15,
    })),
);
headline(
  model
    .filter((r) => r.offered === `${top}/s`)
    .map((r) => ({
      benchmark: 'turn',
      measure: `${r.assistant}, ${r.offered} offered`,
      result: `${r['turns/s']} turns/s, p50 ${r['p50 ms']} ms, ${r['CPU ms/turn']} ms CPU per turn`,
      goal: '≥ 160 turns/s at 200/s offered',
      met: Number(r['turns/s']) >= 160 && top >= 200,
    })),
);
process.exit(0);
