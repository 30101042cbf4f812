import type { Sql } from 'postgres';

/**
 * The postgres.js pool as drizzle should see it: every statement prepared on its connection.
 *
 * drizzle-orm's postgres-js session runs each query not named with `.prepare(name)` as
 * `unsafe(text, params, { prepare: false })` (0.45, session.js `prepareQuery`), and postgres.js
 * sends an unprepared query that has parameters in two round trips: Parse and Describe, a wait
 * for the parameter types, then Bind and Execute (3.4, connection.js `describeFirst`). Every
 * statement cost two trips to the server, and on a busy machine each trip is a wake-up of the
 * backend. Prepared, a connection describes a text once and then sends it in one trip.
 *
 * postgres.js keeps a connection's statements keyed by text and parameter types, re-prepares one
 * a schema change invalidated (its retry routines), and drops them with the connection (every
 * 30–60 minutes by default), so statements built with a varying number of values cannot pile up
 * for long. A pool opened with `prepare: false` (behind a transaction-mode pooler) still prepares
 * nothing: the pool's option wins over the query's.
 */
export function preparing(pool: Sql): Sql {
  return new Proxy(pool, {
    get(target, key, receiver) {
      if (key === 'unsafe') return (text: string, params?: unknown[], options?: object) => target.unsafe(text, params as never, { ...options, prepare: true });
      // a transaction's and a savepoint's statements run on their own handle
      if (key === 'begin' || key === 'savepoint')
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: Sql) => unknown;
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[key]!(...args, (tx: Sql) => fn(preparing(tx)));
        };
      return Reflect.get(target, key, receiver);
    },
  });
}
