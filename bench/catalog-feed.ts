/**
 * bench/catalog-feed: a CSV catalog feed of BENCH_FEED_MB megabytes pulled by the service process
 * from a local host, as the feed job pulls it (download kept in DATA_DIR/exchange, checked whole,
 * written in batches). Memory is the service's resident set sampled every 100 ms against the same
 * process idle before the pull; afterwards the exchange folder must be empty.
 *
 *   npm run bench:catalog-feed      (BENCH_FEED_MB=200, BENCH_BACKENDS=postgres)
 */
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort, headline, procMemory, startProcess, stopProcess, table } from './lib.ts';

const FEED_MB = Number(process.env.BENCH_FEED_MB ?? 200);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MB = (b: number) => (b / 1024 / 1024).toFixed(0);

/** A store's CSV export: quoted multi-line descriptions, a category path, a colour, stock. */
async function generate(file: string): Promise<number> {
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('id,name,category,brand,color,price,old_price,stock,description\n');
  let rows = 0;
  let bytes = 0;
  while (bytes < FEED_MB * 1024 * 1024) {
    const line = `SKU-${rows},"Кроссовки беговые модель ${rows % 9973}",Обувь/Кроссовки,Бренд ${rows % 40},${['чёрный', 'белый', 'серый'][rows % 3]},${4990 + (rows % 500) * 100},,${rows % 7},"Лёгкие беговые кроссовки с амортизацией ""Air"".\nВерх из сетки, подошва из резины; размер ${36 + (rows % 10)}. ${'Подходят для бега и прогулок. '.repeat(8)}"\n`;
    await write(line);
    bytes += Buffer.byteLength(line);
    rows++;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'vt-bench-feed-'));
const file = join(dir, 'feed.csv');
const rows = await generate(file);
const size = statSync(file).size;
const host = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(size) });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()));
console.log(`generated a CSV of ${rows} rows, ${MB(size)} MB`);

const results = [];
for (const backend of (process.env.BENCH_BACKENDS ?? 'postgres').split(',') as Array<'postgres' | 'pglite'>) {
  const id = `vt_bench_feed_${Date.now().toString(36)}`;
  const admin = backend === 'postgres' ? postgres(DATABASE_URL, { max: 1, onnotice: () => {} }) : null;
  await admin?.unsafe(`create database ${id}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${id}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vt-bench-feed-data-'));
  const port = await freePort();
  const child = await startProcess(
    'src/main.ts',
    {
      PORT: String(port),
      DATA_DIR: dataDir,
      DEMO_CATALOG: 'off',
      ...(backend === 'postgres' ? { DATABASE_URL: url.toString() } : {}),
      ADMIN_TOKEN: 'bench-admin',
      CATALOG_FEED_URL: `http://127.0.0.1:${(host.address() as AddressInfo).port}/feed.csv`,
      LOG_LEVEL: 'warn',
      CRON: 'off',
    },
    `http://127.0.0.1:${port}/healthz`,
  );
  const pid = child.pid!;
  await new Promise((r) => setTimeout(r, 2000));
  const idle = procMemory(pid, 'VmRSS');
  let peak = idle;
  const sampler = setInterval(() => void (peak = Math.max(peak, procMemory(pid, 'VmRSS'))), 100);
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/admin/api/jobs/catalog-feed/run`, { method: 'POST', headers: { authorization: 'Bearer bench-admin' } });
  const report = (await res.json()) as { report: { status: string; counts?: Record<string, number>; error?: string } };
  const took = performance.now() - t0;
  clearInterval(sampler);
  const left = existsSync(join(dataDir, 'exchange'))
    ? readdirSync(join(dataDir, 'exchange'), { recursive: true }).filter((f) => statSync(join(dataDir, 'exchange', String(f))).isFile()).length
    : 0;
  await stopProcess(child);
  await admin?.unsafe(`drop database if exists ${id} with (force)`);
  await admin?.end();
  rmSync(dataDir, { recursive: true, force: true });
  if (report.report.status !== 'imported') throw new Error(`the pull failed: ${JSON.stringify(report)}`);
  results.push({
    backend: backend === 'postgres' ? 'Postgres' : 'PGlite',
    'feed MB': MB(size),
    rows: report.report.counts?.inserted ?? 0,
    s: (took / 1000).toFixed(1),
    'rows/s': Math.round(rows / (took / 1000)),
    'idle MB': MB(idle),
    'peak − idle MB': MB(peak - idle),
    'files left': left,
    growth: peak - idle,
  });
}
host.close();
rmSync(dir, { recursive: true, force: true });
console.log(`catalog-feed: a ${MB(size)} MB CSV feed (${rows} rows) pulled and imported by the service process`);
console.log(table(results.map(({ growth: _, ...r }) => r)));
headline(
  results.map((r) => ({
    benchmark: 'catalog-feed',
    measure: `${r['feed MB']} MB CSV feed, service memory above idle, ${r.backend}`,
    result: `${r['peak − idle MB']} MB`,
    goal: '≤ 200 MB',
    met: r.growth <= 200 * 1024 * 1024,
  })),
);
process.exit(0);
