import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

export { freePort } from '../test/helpers/free-port.ts';

/** A memory figure of a running process from /proc (VmRSS now, VmHWM its peak), in bytes; 0 once it is gone. */
export function procMemory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts `node --import tsx <script>` with env and waits until GET <health> answers 200. */
export async function startProcess(script: string, env: Record<string, string>, health: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      await fetch(health).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not become healthy`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 12_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/** One line of the combined table `npm run bench` prints. */
export interface Headline {
  benchmark: string;
  measure: string;
  result: string;
  goal: string;
  /** Absent where the issue asks only for the number. */
  met?: boolean;
}

/** Hands a benchmark's headline numbers to `bench/all.ts` (a JSON line per headline in BENCH_SUMMARY). */
export function headline(lines: Headline[]): void {
  const file = process.env.BENCH_SUMMARY;
  if (file) appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/**
 * A service's environment for a benchmark against the fake Graph API: a production-shaped
 * number (secret "s", phone number id "1") with Meta's rate limit, the debounce and the flood
 * guard out of the way, and workers polling often.
 */
export const benchServiceEnv = (graphUrl: string): Record<string, string> => ({
  WHATSAPP_TOKEN: 't',
  WHATSAPP_APP_SECRET: 's',
  WHATSAPP_VERIFY_TOKEN: 'v',
  WHATSAPP_PHONE_NUMBER_ID: '1',
  WHATSAPP_API_URL: graphUrl,
  WHATSAPP_MAX_MPS: '1000',
  TURN_DEBOUNCE_MS: '0',
  FLOOD_LIMIT_PER_MINUTE: '1000',
  WORKER_POLL_MS: '50',
});

/** The p-th percentile (nearest rank) of a sample; NaN for an empty one. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
