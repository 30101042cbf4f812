import { loadConfig } from '../../config.ts';
import { exportShopper, forgetShopper } from '../../shoppers/shopper-data.ts';
import { printResponse, UsageError, withServices, type Command } from '../command.ts';

/** A shopper's data on request: export, forget. */
export const shopperCommands: Record<string, Command> = {
  'shopper export': {
    usage: 'shopper export PHONE|USER_ID',
    summary: 'print everything kept about a shopper as JSON (messages, preferences, alerts, escalations)',
    positionals: 1,
    run: ({ positionals: [who] }) =>
      withServices(
        loadConfig(),
        async (api) => printResponse(await api(`/shoppers/${encodeURIComponent(who!)}/export`)),
        async (s) => {
          const data = await exportShopper({ db: s.database.db, kv: s.kv, invoiceUrl: (t) => s.orders.invoiceUrl(t) }, who!);
          if (!data) throw new UsageError('no shopper with this phone number or id');
          console.log(JSON.stringify(data, null, 2));
          return 0;
        },
      ),
  },
  'shopper forget': {
    usage: 'shopper forget PHONE|USER_ID',
    summary: "erase a shopper's personal data everywhere (Postgres and Redis); analytics counts stay",
    positionals: 1,
    run: ({ positionals: [who] }) =>
      withServices(
        loadConfig(),
        async (api) => printResponse(await api(`/shoppers/${encodeURIComponent(who!)}/forget`, { method: 'POST' })),
        async (s) => {
          const result = await forgetShopper({ db: s.database.db, kv: s.kv, clock: s.clock, log: s.log }, who!);
          if (!result) throw new UsageError('no shopper with this phone number or id');
          console.log(JSON.stringify(result));
          return 0;
        },
      ),
  },
};
