import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, query, sql } from '../src/db/database.ts';
import { backends } from './helpers/backends.ts';

// drizzle sends its queries unprepared, and postgres.js then takes two round trips for each
// (src/db/prepared.ts). On one connection, pg_prepared_statements shows what was prepared.
describe('statements to Postgres are prepared on their connection', () => {
  const backend = backends().find((b) => b.name === 'postgres+redis')!;
  let database: Database;
  beforeAll(async () => {
    const env = await backend.env();
    database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: 'memory://', poolSize: 1 });
  });
  afterAll(async () => {
    await database.close();
    await backend.cleanup();
  });

  const prepared = async (marker: string) =>
    (
      await query<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from pg_prepared_statements where statement like ${`%${marker}%`} and statement not like '%pg_prepared_statements%'`,
      )
    )[0]!.n;

  it('a statement with parameters is prepared once and reused', async () => {
    for (let i = 0; i < 3; i++) expect(await query(database.db, sql`select ${i}::int + 1 as n /* marker-plain */`)).toEqual([{ n: i + 1 }]);
    expect(await prepared('marker-plain')).toBe(1);
  });

  it("a transaction's statements too", async () => {
    await database.db.transaction(async (tx) => {
      await query(tx, sql`select ${'x'}::text as v /* marker-tx */`);
    });
    expect(await prepared('marker-tx')).toBe(1);
  });

  it('a JSON, date or text value reads the same on the first run as on later ones', async () => {
    const run = () =>
      query<{ a: string; t: string; s: string }>(
        database.db,
        sql`select (${JSON.stringify({ a: 'серый' })}::jsonb)->>'a' as a, (${'2026-12-07T01:02:03.000Z'}::timestamptz at time zone 'UTC')::text as t, ${'диван'}::text || '' as s /* marker-values */`,
      );
    const first = await run();
    expect(first).toEqual([{ a: 'серый', t: '2026-12-07 01:02:03', s: 'диван' }]);
    expect(await run()).toEqual(first);
    expect(await prepared('marker-values')).toBe(1);
  });
});
