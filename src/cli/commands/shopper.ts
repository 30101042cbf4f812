import { loadConfig } from '../../config.ts';
import type { Command } from '../command.ts';
import { answer, withOperations } from '../operations.ts';

/** A shopper's data on request: export, forget. */
export const shopperCommands: Record<string, Command> = {
  'shopper export': {
    usage: 'shopper export PHONE|USER_ID',
    summary: 'print everything kept about a shopper as JSON (messages, preferences, alerts, escalations)',
    positionals: 1,
    run: ({ positionals: [who] }) =>
      withOperations(loadConfig(), async ({ ops }) => {
        console.log(JSON.stringify(await answer(await ops.shoppers[':who'].export.$get({ param: { who: who! } })), null, 2));
        return 0;
      }),
  },
  'shopper forget': {
    usage: 'shopper forget PHONE|USER_ID',
    summary: "erase a shopper's personal data everywhere (Postgres and Redis); analytics counts stay",
    positionals: 1,
    run: ({ positionals: [who] }) =>
      withOperations(loadConfig(), async ({ ops }) => {
        console.log(JSON.stringify(await answer(await ops.shoppers[':who'].forget.$post({ param: { who: who! } }))));
        return 0;
      }),
  },
};
