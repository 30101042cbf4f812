import { z } from 'zod';

/** A calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export const isDay = (d: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** Adds `days` to a YYYY-MM-DD date. */
export const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The store's local day of an instant. */
export const localDay = (at: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

const day = z.string().refine(isDay, 'a calendar day such as 2026-11-30');

/** A report's period in a query string: local days, from ≤ to, at most three years; `table` names one report table. */
export const periodQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    table: z
      .string()
      .regex(/^[a-z]{1,20}$/)
      .optional(),
  })
  .refine((q) => !q.from || !q.to || (q.from <= q.to && Date.parse(q.to) - Date.parse(q.from) <= 3 * 366 * 86_400_000), {
    message: 'from ≤ to, at most 3 years apart',
    path: ['to'],
  });

/** The period a query asks for: `to` defaults to today, `from` to the 30 days ending at `to`. */
export const periodOf = (q: { from?: string; to?: string }, today: string) => {
  const to = q.to ?? today;
  return { from: q.from ?? addDays(to, -29), to };
};
