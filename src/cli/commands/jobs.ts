import { loadConfig } from '../../config.ts';
import { runJob } from '../../jobs/jobs.ts';
import { printResponse, withServices, type Command } from '../command.ts';

/** A job, through the running server's admin API when there is one (PGlite: one process per data directory). */
export const runJobCommand = (name: string) =>
  withServices(
    loadConfig(),
    async (api) => printResponse(await api(`/jobs/${encodeURIComponent(name)}/run`, { method: 'POST' })),
    async (s) => {
      console.log(JSON.stringify(await runJob(s, name)));
      // deliver what the job enqueued before exiting
      await s.sender.pump.drain();
      return 0;
    },
  );

/** The jobs: run one now. */
export const jobsCommands: Record<string, Command> = {
  'jobs run': {
    usage: 'jobs run NAME',
    summary:
      'run a scheduled job now (price-alerts, new-arrivals, escalation-sla, crm-sync, abandoned-carts, meta-catalog, catalog-feed, analytics) and print what it did as JSON',
    positionals: 1,
    run: ({ positionals: [name] }) => runJobCommand(name!),
  },
};
