import { reportTables, toCsv, type AnalyticsReport } from '../../analytics/analytics-report.ts';
import { isDay } from '../../analytics/period.ts';
import { loadConfig } from '../../config.ts';
import { UsageError, type Command } from '../command.ts';
import { answer, withOperations } from '../operations.ts';

/** `report --csv` without --table: every table in one long CSV (table, row, column, value). */
function longCsv(tables: ReturnType<typeof reportTables>): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const [name, t] of Object.entries(tables))
    for (const r of t.rows) for (const [i, col] of t.columns.slice(1).entries()) rows.push([name, r[0] ?? '', col, r[i + 1] ?? null]);
  return toCsv({ columns: ['table', 'row', 'column', 'value'], rows });
}

/** The store's numbers. */
export const reportCommands: Record<string, Command> = {
  report: {
    usage: 'report [--from DAY] [--to DAY] [--csv] [--table NAME]',
    summary:
      "the store's numbers over local days (default: the last 30) as JSON, the same as GET /admin/api/analytics; the roll-up is brought up to date first. --csv: every table as table,row,column,value; --csv --table NAME: one table (summary, daily, funnel, templates, errors, managers, costs, models)",
    positionals: 0,
    options: { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean' }, table: { type: 'string' } },
    run: ({ values }) => {
      const q = new URLSearchParams(Object.entries({ from: values.from, to: values.to }).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const print = (report: AnalyticsReport) => {
        if (!values.csv) console.log(JSON.stringify(report, null, 2));
        else if (typeof values.table !== 'string') process.stdout.write(longCsv(reportTables(report)));
        else {
          const t = reportTables(report)[values.table];
          if (!t) throw new UsageError(`no table "${values.table}" (have: ${Object.keys(reportTables(report)).join(', ')})`);
          process.stdout.write(toCsv(t));
        }
        return 0;
      };
      for (const [k, v] of q) if (!isDay(v)) throw new UsageError(`--${k} is a calendar day such as 2026-11-30`);
      return withOperations(loadConfig(), async ({ ops }) => {
        await answer(await ops.jobs[':name'].run.$post({ param: { name: 'analytics' } }));
        return print((await answer(await ops.analytics.$get({ query: Object.fromEntries(q) }))) as AnalyticsReport);
      });
    },
  },
};
