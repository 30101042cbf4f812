import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { seedTraffic } from '../bench/analytics-seed.ts';
import { analyticsReport } from '../src/analytics/analytics-report.ts';
import { loadRateCard } from '../src/analytics/rate-card.ts';
import { openDatabase } from '../src/db/database.ts';

// each case starts the CLI a dozen times (a process and its embedded database each): a slow machine needs minutes, not one
vi.setConfig({ testTimeout: 180_000 });

const cli = (args: string[], env: Record<string, string>, stdin?: string) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const child = execFile(process.execPath, ['bin/vitrina.js', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } }, (err, out, errOut) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errOut }),
    );
    child.stdin!.end(stdin ?? '');
  });

/** `vitrina report` and `vitrina managers` on the embedded default: the same numbers as the report, accounts an operator makes. */
describe('the CLI: report and manager accounts', () => {
  it('report prints the numbers the API serves (JSON and CSV); managers add, list, disable; bad input is a one-line error', async () => {
    const env = { DATA_DIR: join(mkdtempSync(join(tmpdir(), 'vt-report-')), 'd'), TZ: 'Asia/Almaty', CURRENCY: 'KZT', MANAGER_PHONES: '77000000001' };
    const db = await openDatabase({ dataDir: env.DATA_DIR });
    await seedTraffic(db.db, { from: '2026-10-01', days: 10, inboundPerDay: 40, templatesPerDay: 9, shoppers: 100, managers: ['77000000001'] });
    await db.close();

    const json = await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08'], env);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.out);
    expect(printed.messages.in).toBe(7 * 40);
    const again = await openDatabase({ dataDir: env.DATA_DIR });
    const direct = await analyticsReport(again.db, loadRateCard(), {
      from: '2026-10-02',
      to: '2026-10-08',
      timeZone: 'Asia/Almaty',
      currency: 'KZT',
      today: '2026-12-04',
      managers: [],
    });
    await again.close();
    expect(printed).toEqual(JSON.parse(JSON.stringify(direct)));

    const csv = await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08', '--csv', '--table', 'funnel'], env);
    expect(csv.out.split('\r\n').slice(0, 2)).toEqual(['step,count', `searches,${printed.funnel[0].count}`]);
    const all = await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08', '--csv'], env);
    expect(all.out.split('\r\n')[0]).toBe('table,row,column,value');
    expect(all.out).toContain(`\r\nsummary,messages_in,value,${7 * 40}\r\n`);
    expect((await cli(['report', '--from', '2026-02-30'], env)).err).toBe('vitrina: --from is a calendar day such as 2026-11-30\n');
    expect((await cli(['report', '--csv', '--table', 'nope'], env)).err).toMatch(/^vitrina: no table "nope" \(have: summary, daily, funnel/);

    const add = await cli(['managers', 'add', 'aigerim', '--name', 'Айгерим', '--phone', '+77000000001', '--password-stdin'], env, 'a long password\n');
    // each line that writes says where it wrote
    const where = `(in the embedded database in ${env.DATA_DIR})`;
    expect(add).toMatchObject({ code: 0, out: `created aigerim ${where}\n` });
    const made = await cli(['managers', 'add', 'erlan', '--name', 'Ерлан'], env);
    expect(made.out).toMatch(/^created erlan; password: [\w-]{16} \(shown once\) \(in the embedded database in .+\)\n$/);
    // a DATA_DIR with no database is a mistake, not a new store
    const typo = await cli(['managers', 'add', 'dana', '--name', 'Дана'], { ...env, DATA_DIR: `${env.DATA_DIR}-typo` });
    expect(typo).toMatchObject({
      code: 1,
      err: `vitrina: no database in ${env.DATA_DIR}-typo: start the service there once (npm start), or set DATA_DIR (or DATABASE_URL) to the store's\n`,
    });
    expect((await cli(['managers', 'add', 'erlan', '--name', 'Другой'], env)).err).toBe('vitrina: the login "erlan" is taken\n');
    expect((await cli(['managers', 'add', 'Bad Login', '--name', 'X'], env)).err).toBe('vitrina: a login is 2–40 of a-z 0-9 . _ -\n');
    expect((await cli(['managers', 'add', 'dana', '--name', 'Дана', '--password-stdin'], env, 'short\n')).err).toBe(
      'vitrina: a password has at least 10 characters\n',
    );
    expect((await cli(['managers', 'disable', 'erlan'], env)).out).toBe(`erlan disabled ${where}\n`);
    expect((await cli(['managers', 'list'], env)).out).toBe('aigerim              Айгерим +77000000001\nerlan                Ерлан (disabled)\n');
    // the WhatsApp manager's hand-offs carry the account's name now
    const named = JSON.parse((await cli(['report', '--from', '2026-10-02', '--to', '2026-10-08'], env)).out);
    expect(named.handoffs.managers[0]).toMatchObject({ manager: '77000000001', name: 'Айгерим' });
  });
});
