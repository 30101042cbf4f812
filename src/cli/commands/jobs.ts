import { loadConfig } from '../../config.ts';
import type { Command } from '../command.ts';
import { answer, withOperations } from '../operations.ts';

/** A job, run once across processes; in process, what it enqueued is delivered before the command exits. */
export const runJobCommand = (name: string) =>
  withOperations(loadConfig(), async ({ ops }) => {
    console.log(JSON.stringify(await answer(await ops.jobs[':name'].run.$post({ param: { name } }))));
    return 0;
  });

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
