import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { table, type Headline } from './lib.ts';

/**
 * `npm run bench`: every benchmark in turn (each prints its own detailed table), then one
 * table of the headline numbers against their goals, with the machine they ran on.
 */
const BENCHES = ['webhook-intake', 'turn', 'search', 'voice', 'price-alerts', 'orders', 'onec-import', 'catalog-feed', 'analytics'];
const only = process.env.BENCH_ONLY?.split(',');
const dir = mkdtempSync(join(tmpdir(), 'vt-bench-'));
const summary = join(dir, 'summary.jsonl');
const failed: string[] = [];

for (const name of BENCHES.filter((b) => !only || only.includes(b))) {
  console.log(`\n=== bench/${name}.ts`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit', env: { ...process.env, BENCH_SUMMARY: summary } });
  if (r.status !== 0) failed.push(name);
}

const lines: Headline[] = (() => {
  try {
    return readFileSync(summary, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Headline);
  } catch {
    return [];
  }
})();
rmSync(dir, { recursive: true, force: true });

async function machine(): Promise<string> {
  const pgVersion = await (async () => {
    const sql = postgres(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', {
      max: 1,
      onnotice: () => {},
    });
    try {
      const [r] = await sql`show server_version`;
      return `Postgres ${String(r!.server_version).split(' ')[0]}`;
    } catch {
      return 'Postgres ?';
    } finally {
      await sql.end();
    }
  })();
  const redisVersion = await (async () => {
    const r = new Redis(process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0 });
    r.on('error', () => {});
    try {
      await r.connect();
      return `Redis ${/redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? '?'}`;
    } catch {
      return 'Redis ?';
    } finally {
      r.disconnect();
    }
  })();
  const ffmpeg = (() => {
    try {
      return `ffmpeg ${/ffmpeg version (\S+)/.exec(execFileSync('ffmpeg', ['-version']).toString())?.[1] ?? '?'}`;
    } catch {
      return 'no ffmpeg on PATH';
    }
  })();
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${pgVersion}, ${redisVersion}, ${ffmpeg}`;
}

console.log(`\n=== all benchmarks (${new Date().toISOString().slice(0, 10)}): ${await machine()}`);
console.log(
  table(
    lines.map((l) => ({
      benchmark: l.benchmark,
      measure: l.measure,
      result: l.result,
      goal: l.goal,
      met: l.met === undefined ? '—' : l.met ? 'yes' : 'no',
    })),
  ),
);
if (failed.length) {
  console.error(`benchmarks that failed: ${failed.join(', ')}`);
  process.exit(1);
}
process.exit(0);
