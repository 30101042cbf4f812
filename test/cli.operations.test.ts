import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ServiceProcess } from './helpers/service-process.ts';

// the CLI and the service are processes of their own (tsx, PGlite): minutes on a slow machine
vi.setConfig({ testTimeout: 180_000 });

const YML = new URL('./fixtures/yml/shop.yml', import.meta.url).pathname;

const cli = (args: string[], env: Record<string, string>, stdin?: string) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const child = execFile(process.execPath, ['bin/vitrina.js', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } }, (err, out, errOut) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errOut }),
    );
    child.stdin!.end(stdin ?? '');
  });

let service: ServiceProcess | null = null;
afterAll(async () => {
  await service?.kill('SIGTERM');
});

/**
 * One operations interface: while the embedded server holds PGlite's data directory the CLI
 * calls its admin API over HTTP; without it, the same routes run in the CLI's own process.
 * Either way the same validation and errors, and the same lines but for where they say they wrote.
 */
describe('the CLI: one set of operations, through the running server or in process', () => {
  it('managers, a catalog import, a job, a report and a missing shopper answer alike both ways', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'vt-ops-')), 'd');
    const env = { DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '', DEMO_CATALOG: 'off' };
    service = await new ServiceProcess({ env: { ...env, BOT: 'assistant' }, graphUrl: 'http://127.0.0.1:9' }).start();

    const through = `through the running server, in the embedded database in ${dir}`;
    const add = await cli(['managers', 'add', 'aigerim', '--name', 'Айгерим', '--password-stdin'], env, 'a long password\n');
    expect(add).toMatchObject({ code: 0, out: `created aigerim (${through})\n` });
    expect((await cli(['managers', 'add', 'aigerim', '--name', 'Другая', '--password-stdin'], env, 'a long password\n')).err).toBe(
      'vitrina: the login "aigerim" is taken\n',
    );
    expect((await cli(['managers', 'disable', 'nobody'], env)).err).toBe('vitrina: no manager with this login\n');
    const imported = await cli(['catalog', 'import', YML], env);
    expect(imported.out).toBe(
      `imported ${YML} (yml) through the running server, into the embedded database in ${dir}: 3 products (3 new, 0 updated, 0 price changes); 1 row skipped\n`,
    );
    expect(imported.err).toBe(`${YML}:50: offer bad 4: id must not contain spaces; price is not a number («дорого»)\n`);
    const job = JSON.parse((await cli(['jobs', 'run', 'analytics'], env)).out);
    expect(job).toMatchObject({ job: 'analytics', ran: true });
    expect((await cli(['jobs', 'run', 'nope'], env)).err).toMatch(/^vitrina: no job "nope" \(have: .*analytics/);
    const viaServer = JSON.parse((await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08'], env)).out);
    expect(viaServer).toMatchObject({ from: '2026-10-02', to: '2026-10-08' });
    const missing = await cli(['shopper', 'export', '70000000000'], env);
    expect(missing).toMatchObject({ code: 1, err: 'vitrina: no shopper with this phone number or id\n' });
    const listed = await cli(['managers', 'list'], env);
    expect(listed.out).toBe('aigerim              Айгерим\n');

    await service.kill('SIGTERM');
    service = null;
    // the same operations in the CLI's own process, on the database the server left
    expect((await cli(['managers', 'list'], env)).out).toBe(listed.out);
    expect(await cli(['managers', 'disable', 'aigerim'], env)).toMatchObject({ code: 0, out: `aigerim disabled (in the embedded database in ${dir})\n` });
    expect((await cli(['managers', 'disable', 'nobody'], env)).err).toBe('vitrina: no manager with this login\n');
    expect(await cli(['shopper', 'export', '70000000000'], env)).toEqual(missing);
    expect(JSON.parse((await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08'], env)).out)).toEqual(viaServer);
  });
});
