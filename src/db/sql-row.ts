/**
 * A table's row as raw SQL hands it back, derived from its drizzle type (`$inferSelect`), so a
 * column added to the schema reaches the raw queries' rows: names in snake_case, as Postgres
 * spells them, and each value as either driver may give it — postgres.js through drizzle's raw
 * execute returns timestamps, bigints and numerics as text and text[] as its literal, and
 * PGlite JSON as text.
 */
export type SqlRow<T> = { [K in keyof T & string as Snake<K>]: AsSent<T[K]> };

type Snake<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}` : S;

type AsSent<V> = V extends Date
  ? string | Date
  : V extends number
    ? number | string
    : V extends string[]
      ? string[] | string
      : V extends string | boolean | null
        ? V
        : V | string;
