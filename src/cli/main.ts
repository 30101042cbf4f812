import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { catalogCommands } from './commands/catalog.ts';
import { databaseCommands } from './commands/database.ts';
import { jobsCommands } from './commands/jobs.ts';
import { managersCommands } from './commands/managers.ts';
import { reportCommands } from './commands/report.ts';
import { shopperCommands } from './commands/shopper.ts';
import { templatesCommands } from './commands/templates.ts';

/** Every command, by its words («catalog import»); one file per group in commands/. */
const COMMANDS: Record<string, Command> = {
  ...databaseCommands,
  ...catalogCommands,
  ...jobsCommands,
  ...templatesCommands,
  ...reportCommands,
  ...managersCommands,
  ...shopperCommands,
};

const USAGE = `usage: vitrina <command> [--help]

commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.padEnd(40)} ${c.summary}`)
  .join('\n')}
`;

const help = (c: Command) => `usage: vitrina ${c.usage}\n\n${c.summary}\n`;

async function run(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n && COMMANDS[n]);
  if (!name) {
    if (!words.length && argv.some((a) => a === '--help' || a === '-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(words.length ? `vitrina: unknown command "${words.slice(0, 2).join(' ')}"\n${USAGE}` : USAGE);
    return 1;
  }
  const command = COMMANDS[name]!;
  const rest = argv.slice(argv.indexOf(words[name.split(' ').length - 1]!) + 1);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`vitrina: ${(err as Error).message}\n${help(command)}`);
    return 1;
  }
  if (parsed.values.help) {
    process.stdout.write(help(command));
    return 0;
  }
  if (parsed.positionals.length !== command.positionals) {
    process.stderr.write(`vitrina: expected "${command.usage}"\n${help(command)}`);
    return 1;
  }
  return command.run({ positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> });
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  console.error(`vitrina: ${(err as Error).message}`);
  process.exitCode = 1;
}
