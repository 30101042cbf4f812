import { loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { ConfigError } from './errors.ts';

const USAGE = `usage: vitrina <command>

commands:
  migrate     apply database migrations (Postgres when DATABASE_URL is set, else PGlite in DATA_DIR)
`;

async function run(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'migrate': {
      const config = loadConfig();
      const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
      await db.close();
      console.log(`migrations applied (${db.kind})`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`vitrina: unknown command "${command}"\n${USAGE}`);
      return 1;
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`vitrina: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
