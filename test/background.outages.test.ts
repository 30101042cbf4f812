import { Writable } from 'node:stream';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { BackgroundFailures } from '../src/background.ts';
import { isDatabaseUnavailable } from '../src/db/unavailable.ts';
import { toErrorResponse } from '../src/errors.ts';
import { freePort } from './helpers/free-port.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A logger whose lines the test reads back. */
function memoryLog() {
  const lines: Array<Record<string, any>> = [];
  const log = pino({ level: 'debug', base: undefined }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
  return { log, lines };
}

/** A real error from the real driver, through drizzle, as the service meets it. */
async function errorFrom(url: string, statement = sql`select 1`): Promise<unknown> {
  const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    await drizzle(client).execute(statement);
    return null;
  } catch (err) {
    return err;
  } finally {
    await client.end({ timeout: 1 });
  }
}

describe('database outages, told apart from bugs', () => {
  it('a refused connection (through drizzle) is unavailability; a bad statement on a live server is not', async () => {
    const refused = await errorFrom(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    expect(refused).not.toBeNull();
    expect(isDatabaseUnavailable(refused)).toBe(true);
    const bad = await errorFrom(DATABASE_URL, sql`select * from no_such_table_here`);
    expect(bad).not.toBeNull();
    expect(isDatabaseUnavailable(bad)).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });

  it('a request that meets an unreachable database gets a 503, a bug a 500', async () => {
    const refused = await errorFrom(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    expect(toErrorResponse(refused, 'r1')).toEqual({
      status: 503,
      body: { error: { code: 'unavailable', message: 'the database is unreachable; try again shortly', requestId: 'r1' } },
    });
    expect(toErrorResponse(new TypeError('x is undefined'), 'r2').status).toBe(500);
  });

  it('a tick failing through an outage is logged once, its recovery once; a bug every time; a tick never rejects', async () => {
    const { log, lines } = memoryLog();
    const bg = new BackgroundFailures(log);
    const refused = await errorFrom(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await bg.tick('job analytics', () => Promise.reject(refused)));
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(await bg.tick('job analytics', async () => 'ran')).toBe('ran');
    expect(await bg.tick('job analytics', async () => 'ran')).toBe('ran');
    for (let i = 0; i < 3; i++) await bg.tick('job analytics', () => Promise.reject(new TypeError('x is undefined')));
    expect(lines.map((l) => [l.level, l.what, l.msg])).toEqual([
      [40, 'job analytics', 'job analytics: the database is unreachable; tried again on each tick, logged again when it works'],
      [30, 'job analytics', 'job analytics works again'],
      [50, 'job analytics', 'job analytics failed; tried again on its next tick'],
      [50, 'job analytics', 'job analytics failed; tried again on its next tick'],
      [50, 'job analytics', 'job analytics failed; tried again on its next tick'],
    ]);
    expect(lines[1]!.failedTicks).toBe(5);
  });
});
