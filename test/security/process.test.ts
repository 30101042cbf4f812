import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { freePort, ServiceProcess } from '../helpers/service-process.ts';

/** Runs the service's entry point to its end (it is expected to refuse to start) and gives its code and output. */
function startRefused(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('one process per embedded store', () => {
  const started: ServiceProcess[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) await p.kill('SIGTERM');
  });

  it('a second `npm start` on the same DATA_DIR is refused with one line, and the first keeps its files; the same port is one line too', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vt-lock-')), 'data');
    const first = await new ServiceProcess({ env: { DATA_DIR: dataDir, DEMO_CATALOG: 'off' }, graphUrl: 'http://127.0.0.1:9' }).start();
    started.push(first);
    const second = await startRefused({ DATA_DIR: dataDir, PORT: String(await freePort()), DEMO_CATALOG: 'off' });
    expect(second.code).toBe(1);
    expect(second.out.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^vitrina: DATA_DIR ${dataDir} is in use by process ${first.child!.pid} `)),
    ]);
    // the running server's address for the CLI is still there, and it still answers
    expect(existsSync(join(dataDir, 'vitrina-server.json'))).toBe(true);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    const port = await startRefused({ DATA_DIR: join(mkdtempSync(join(tmpdir(), 'vt-port-')), 'data'), PORT: String(first.port), DEMO_CATALOG: 'off' });
    expect(port.code).toBe(1);
    expect(port.out.trim().split('\n')).toEqual([`vitrina: port ${first.port} is in use by another program: set PORT to a free one`]);
  });

  it('a lock left by a process that is gone is taken over; the upkeep runs its statements apart, and only after writes', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vt-stale-')), 'data');
    const d1 = await openDatabase({ dataDir });
    await d1.close();
    writeFileSync(join(dataDir, 'vitrina.lock'), '2147483646');
    const warnings: string[] = [];
    const log = { warn: (o: unknown, m: string) => void warnings.push(`${m} ${JSON.stringify(o)}`) } as never;
    const d2 = await openDatabase({ dataDir, log });
    try {
      await expect(openDatabase({ dataDir })).rejects.toThrow(/is in use by process \d+/);
      await d2.db.execute(`insert into shoppers (key) values ('77010000001')` as never);
      expect(await d2.upkeep!(true)).toBe(true);
      expect(await d2.upkeep!(false)).toBe(true);
      expect(warnings).toEqual([]);
      // nothing written since: nothing to do
      expect(await d2.upkeep!(true)).toBe(false);
      expect(await d2.upkeep!(false)).toBe(false);
    } finally {
      await d2.close();
    }
    expect(existsSync(join(dataDir, 'vitrina.lock'))).toBe(false);
  });
});
