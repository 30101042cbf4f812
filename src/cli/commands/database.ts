import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';
import type { Command } from '../command.ts';

/** The database: apply the migrations. */
export const databaseCommands: Record<string, Command> = {
  migrate: {
    usage: 'migrate',
    summary: 'apply database migrations (Postgres when DATABASE_URL is set, else PGlite in DATA_DIR)',
    positionals: 0,
    async run() {
      const config = loadConfig();
      const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
      await db.close();
      console.log(`migrations applied (${db.kind})`);
      return 0;
    },
  },
};
