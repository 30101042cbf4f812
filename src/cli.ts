import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { loadLexicon, loadSynonyms } from './catalog/lexicon.ts';
import { loadRateCard } from './analytics/rate-card.ts';
import { reportTables, toCsv, type AnalyticsReport } from './analytics/analytics-report.ts';
import { isDay, periodOf } from './analytics/period.ts';
import { accounts, checkLogin, MIN_PASSWORD, type Manager } from './console/manager-accounts.ts';
import { randomBytes } from 'node:crypto';
import { TemplateError } from './errors.ts';
import { loadPhrases } from './phrases.ts';
import { loadProfile } from './profile/store-profile.ts';
import { readYamlFile } from './yaml-file.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { runJob } from './jobs/jobs.ts';
import { createLogger } from './log.ts';
import { readLiveServer } from './server-info.ts';
import { buildServices } from './services.ts';
import { exportShopper, forgetShopper } from './shoppers/shopper-data.ts';
import { syncTemplates, templatesStatus } from './templates/meta-sync.ts';
import { checkTemplates, loadTemplates, preview, TEMPLATE_LANGS, TEMPLATES_FILE, type TemplateLang } from './templates/message-templates.ts';
import { WhatsAppClient } from './whatsapp/client.ts';

/** A CLI failure the user can fix: printed as one line, exit code 1. */
class UsageError extends Error {}

interface Command {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  /** Number of positional arguments expected (after the command words). */
  positionals: number;
  run(args: { positionals: string[]; values: Record<string, string | boolean | undefined> }): Promise<number>;
}

/**
 * PGlite allows one process per data directory: while the embedded server holds it, commands
 * that need the database go through its admin API. Null when they may open the database.
 */
function liveServer(config: Config): ((path: string, init?: { method?: string; body?: unknown }) => Promise<Response>) | null {
  const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
  if (!server) return null;
  return (path, init = {}) =>
    fetch(`http://127.0.0.1:${server.port}/admin/api${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.ADMIN_TOKEN ?? server.adminToken}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

type ImportAnswer =
  | { ok: true; format: string; counts: Record<string, number>; errors: Array<{ line: number; error: string }> }
  | { ok: false; error: string; errors: Array<{ line: number; error: string }> };

/** An import's counts in words: rows formats as products, CommerceML as what 1C's file held. */
function importSummary(counts: Record<string, number>): string {
  if (!('products' in counts))
    return Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const c = (k: string) => counts[k] ?? 0;
  const n = (k: string, one: string, many: string) => `${c(k)} ${c(k) === 1 ? one : many}`;
  return (
    `${n('products', 'product', 'products')} (${c('inserted')} new, ${c('updated')} updated, ${n('priceChanges', 'price change', 'price changes')}); ${n('skipped', 'row', 'rows')} skipped` +
    (c('deleted') || c('deactivated')
      ? `; ${c('deleted')} products not in the file deleted, ${c('deactivated')} deactivated (alerts, carts or orders name them)`
      : '')
  );
}

/**
 * Any catalog file (CSV, JSON, YML, CommerceML), through the one write path the server uses: as
 * an exchange the console lists, the currency and retail price from the store's profile. Sent to
 * the live embedded server's admin API when it holds the database.
 */
async function catalogImport(config: Config, file: string, replace: boolean): Promise<number> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file}: no such file`);
  const size = String(statSync(file).size);
  const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
  // a catalog may be imported before the store's first start: the database is made, and the line says where
  const made = !server && !config.DATABASE_URL && !config.DATA_DIR.startsWith('memory://') && !existsSync(join(config.DATA_DIR, 'PG_VERSION'));
  const where = `${server ? 'through the running server, ' : ''}into ${whereStored(config)}${made ? ' (made now)' : ''}`;
  const report = (r: ImportAnswer) => {
    for (const e of r.errors) process.stderr.write(`${file}:${e.line}: ${e.error}\n`);
    if (!r.ok) {
      console.error(`${file}: not imported, the catalog in ${whereStored(config)} is as it was: ${r.error}`);
      return 1;
    }
    console.log(`imported ${file} (${r.format}) ${where}: ${importSummary(r.counts)}`);
    return r.errors.length ? 1 : 0;
  };
  if (server) {
    const res = await fetch(`http://127.0.0.1:${server.port}/admin/api/catalog/import${replace ? '?replace=true' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.ADMIN_TOKEN ?? server.adminToken}`, 'content-length': size },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { format: string; counts: Record<string, number>; errors: Array<{ line: number; error: string }> } & {
      error?: { message: string; fields?: { rows?: string[] } };
    };
    if (!res.ok) {
      const rows = (body.error?.fields?.rows ?? []).map((r) => /^line (\d+): (.*)$/s.exec(r)).flatMap((m) => (m ? [{ line: Number(m[1]), error: m[2]! }] : []));
      return report({ ok: false, error: body.error?.message ?? `the server answered ${res.status}`, errors: rows });
    }
    return report({ ok: true, ...body });
  }
  // the report below names every skipped row: the log adds only what failed outright
  const services = await buildServices({ ...config, CRON: 'off' }, { log: createLogger({ level: 'error', stderr: true }) });
  try {
    const r = await services.catalogWrites.stream({ source: 'file', body: createReadStream(file), declaredLength: size, replace });
    // deliver the price alerts the new prices fired before exiting
    await services.sender.pump.drain();
    return report(r);
  } finally {
    await services.close();
  }
}

/** Where a command reads and writes: Postgres (host and database) or the embedded database's folder. */
function whereStored(config: Config): string {
  if (config.DATABASE_URL) {
    const u = new URL(config.DATABASE_URL);
    return `Postgres ${u.host}${u.pathname}`;
  }
  return config.DATA_DIR.startsWith('memory://') ? 'an in-memory database' : `the embedded database in ${resolve(config.DATA_DIR)}`;
}

/**
 * A command that works on a store's data needs its database: a DATA_DIR without one is a typo
 * or the wrong folder, and creating an empty database there would take writes (a manager's
 * account) that the running store never sees.
 */
function needDatabase(config: Config): void {
  if (config.DATABASE_URL || config.DATA_DIR.startsWith('memory://') || existsSync(join(config.DATA_DIR, 'PG_VERSION'))) return;
  throw new UsageError(
    `no database in ${resolve(config.DATA_DIR)}: start the service there once (npm start), or set DATA_DIR (or DATABASE_URL) to the store's`,
  );
}

/** Runs `fn` with the services (CRON off), or through the live embedded server's admin API. */
async function withServices(
  config: Config,
  viaApi: (api: NonNullable<ReturnType<typeof liveServer>>) => Promise<number>,
  fn: (s: Awaited<ReturnType<typeof buildServices>>) => Promise<number>,
): Promise<number> {
  const api = liveServer(config);
  if (api) return viaApi(api);
  needDatabase(config);
  const services = await buildServices({ ...config, CRON: 'off' }, { log: createLogger({ level: config.LOG_LEVEL, stderr: true }) });
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}

const printResponse = async (res: Response) => {
  console.log(await res.text());
  return res.ok ? 0 : 1;
};

/** A job, through the running server's admin API when there is one (PGlite: one process per data directory). */
const runJobCommand = (name: string) =>
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

/** The first line of stdin (a password piped in), or null when stdin is a terminal. */
async function stdinLine(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

/** A manager's password: piped in (--password-stdin), or made up here and printed once. */
async function newPassword(fromStdin: boolean): Promise<{ password: string; made: boolean }> {
  if (!fromStdin) return { password: randomBytes(12).toString('base64url'), made: true };
  const line = await stdinLine();
  if (line === null) throw new UsageError('--password-stdin: pipe the password in (echo … | vitrina …)');
  if (line.length < MIN_PASSWORD) throw new UsageError(`a password has at least ${MIN_PASSWORD} characters`);
  return { password: line, made: false };
}

/** A change to a console account, through the running server or in the database; its line says where it was written. */
const managerCommand = (
  viaApi: (api: NonNullable<ReturnType<typeof liveServer>>) => Promise<Response>,
  direct: (s: Awaited<ReturnType<typeof buildServices>>) => Promise<unknown>,
  done: (body: unknown) => string,
  opts: { writes: boolean } = { writes: true },
) => {
  const config = loadConfig();
  const where = (line: string, how: string) => (opts.writes ? `${line} (${how}${whereStored(config)})` : line);
  return withServices(
    config,
    async (api) => {
      const res = await viaApi(api);
      const body = (await res.json()) as { error?: { message: string } };
      if (!res.ok) throw new UsageError(body.error?.message ?? `HTTP ${res.status}`);
      console.log(where(done(body), 'through the running server, in '));
      return 0;
    },
    async (s) => {
      console.log(where(done(await direct(s)), 'in '));
      return 0;
    },
  );
};

/** `report --csv` without --table: every table in one long CSV (table, row, column, value). */
function longCsv(tables: ReturnType<typeof reportTables>): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const [name, t] of Object.entries(tables))
    for (const r of t.rows) for (const [i, col] of t.columns.slice(1).entries()) rows.push([name, r[0] ?? '', col, r[i + 1] ?? null]);
  return toCsv({ columns: ['table', 'row', 'column', 'value'], rows });
}

const COMMANDS: Record<string, Command> = {
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
  'catalog import': {
    usage: 'catalog import FILE [--replace]',
    summary:
      "import products from CSV, JSON, YML (Yandex Market) or CommerceML (1C's import.xml, then offers.xml); bad rows are reported by line and skipped, good rows imported in all-or-nothing batches. --replace: the file is the whole catalog; products it lacks are deleted (deactivated when price alerts name them)",
    positionals: 1,
    options: { replace: { type: 'boolean' } },
    run: ({ positionals, values }) => catalogImport(loadConfig(), positionals[0]!, values.replace === true),
  },
  'catalog sync-meta': {
    usage: 'catalog sync-meta',
    summary: 'push the catalog to the Meta commerce catalog WHATSAPP_CATALOG_ID (items_batch; retailer id = SKU) and print what Meta refused',
    positionals: 0,
    run: () => runJobCommand('meta-catalog'),
  },
  'jobs run': {
    usage: 'jobs run NAME',
    summary:
      'run a scheduled job now (price-alerts, new-arrivals, escalation-sla, crm-sync, abandoned-carts, meta-catalog, catalog-feed, analytics) and print what it did as JSON',
    positionals: 1,
    run: ({ positionals: [name] }) => runJobCommand(name!),
  },
  'templates check': {
    usage: 'templates check',
    summary:
      "check templates/message_templates.yaml against Meta's rules, and the store's own YAML: store.yaml, synonyms.yaml, recommendations.yaml, phrases.yaml, lexicon.yaml (exit 1 on any error, each named file:line:col)",
    positionals: 0,
    async run() {
      const { templates, problems } = checkTemplates(templatesFile());
      for (const p of problems) process.stderr.write(`${p.file}:${p.line}:${p.col}: ${p.message}\n`);
      if (!problems.length) console.log(`${templates.size} templates OK (${[...templates.keys()].join(', ')})`);
      let bad = problems.length;
      const config = loadConfig();
      const checks: Array<[string, () => unknown]> = [
        ['store profile', () => loadProfile(`${config.storeDir}store.yaml`, config)],
        ['synonyms', () => loadSynonyms(`${config.storeDir}synonyms.yaml`)],
        [
          'recommendations',
          () =>
            existsSync(`${config.storeDir}recommendations.yaml`) &&
            readYamlFile(`${config.storeDir}recommendations.yaml`, z.object({ complements: z.record(z.string(), z.array(z.string())) }).nullable()),
        ],
        ['phrases', () => loadPhrases()],
        ['lexicon', () => loadLexicon()],
        ['rates', () => loadRateCard()],
      ];
      for (const [what, check] of checks) {
        try {
          check();
          console.log(`${what} OK`);
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          bad++;
          process.stderr.write(`${err.message}\n`);
        }
      }
      return bad ? 1 : 0;
    },
  },
  'templates preview': {
    usage: 'templates preview KEY [--lang ru|kk|en]',
    summary: 'show a template as WhatsApp would, with its examples',
    options: { lang: { type: 'string' } },
    positionals: 1,
    async run({ positionals: [key], values }) {
      const templates = loadTemplates(templatesFile());
      const t = templates.get(key!);
      if (!t) throw new UsageError(`no template "${key}" (have: ${[...templates.keys()].join(', ')})`);
      const langs = values.lang ? [values.lang as TemplateLang] : [...TEMPLATE_LANGS];
      if (langs.some((l) => !TEMPLATE_LANGS.includes(l))) throw new UsageError(`--lang is one of ${TEMPLATE_LANGS.join(', ')}`);
      console.log(langs.map((l) => preview(t, l)).join('\n\n'));
      return 0;
    },
  },
  'templates sync': {
    usage: 'templates sync',
    summary: 'create the templates Meta does not have; list where Meta’s text differs',
    positionals: 0,
    run: () =>
      withMeta(async (args) => {
        const r = await syncTemplates(args);
        for (const c of r.created) console.log(`created  ${c.name} (${c.language}) id ${c.id}: ${c.status}`);
        for (const d of r.differences) console.log(`differs  ${d.name} (${d.language}) ${d.component}:\n  ours: ${d.ours}\n  meta: ${d.meta}`);
        console.log(`${r.created.length} created, ${r.differences.length} differences, ${r.unchanged} unchanged`);
      }),
  },
  'templates status': {
    usage: 'templates status',
    summary: "Meta's approval state of each template language (recorded for sending)",
    positionals: 0,
    run: () =>
      withMeta(async (args) => {
        for (const r of await templatesStatus(args)) console.log(`${r.status.padEnd(9)} ${r.name} (${r.language})${r.id ? ` id ${r.id}` : ''}`);
      }),
  },
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
      return withServices(
        loadConfig(),
        async (api) => {
          await api('/jobs/analytics/run', { method: 'POST' });
          const res = await api(`/analytics?${q}`);
          if (!res.ok) throw new UsageError(((await res.json()) as { error: { message: string } }).error.message);
          return print((await res.json()) as AnalyticsReport);
        },
        async (s) => {
          for (const [k, v] of q) if (!isDay(v)) throw new UsageError(`--${k} is a calendar day such as 2026-11-30`);
          await runJob(s, 'analytics');
          const { from, to } = periodOf({ from: q.get('from') ?? undefined, to: q.get('to') ?? undefined }, s.analytics.today());
          if (from > to) throw new UsageError('--from comes before --to');
          return print(await s.analytics.report(from, to));
        },
      );
    },
  },
  'managers add': {
    usage: 'managers add LOGIN --name NAME [--phone PHONE] [--password-stdin]',
    summary:
      'create a console account (a manager signs in to /console with it); the password is piped in or made up and printed once. --phone ties it to that MANAGER_PHONES number, so WhatsApp and console work count as one person',
    positionals: 1,
    options: { name: { type: 'string' }, phone: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run({ positionals: [login], values }) {
      if (checkLogin(login!)) throw new UsageError(checkLogin(login!)!);
      if (typeof values.name !== 'string' || !values.name.trim()) throw new UsageError('--name is the name colleagues know the manager by');
      if (values.phone !== undefined && !/^\+?\d{6,15}$/.test(String(values.phone))) throw new UsageError('--phone is an international number, digits only');
      const { password, made } = await newPassword(values['password-stdin'] === true);
      const m = { login: login!, name: values.name.trim(), phone: typeof values.phone === 'string' ? values.phone : null, password };
      return managerCommand(
        (api) => api('/managers', { method: 'POST', body: m }),
        async (s) => {
          const r = await accounts.create(s.database.db, m, new Date());
          if (r === 'taken') throw new UsageError(`the login "${login}" is taken`);
          return r;
        },
        () => `created ${login}${made ? `; password: ${password} (shown once)` : ''}`,
      );
    },
  },
  'managers passwd': {
    usage: 'managers passwd LOGIN [--password-stdin]',
    summary: "set a manager's password (piped in, or made up and printed once); their open sessions end",
    positionals: 1,
    options: { 'password-stdin': { type: 'boolean' } },
    async run({ positionals: [login], values }) {
      const { password, made } = await newPassword(values['password-stdin'] === true);
      return managerCommand(
        (api) => api(`/managers/${encodeURIComponent(login!)}/password`, { method: 'POST', body: { password } }),
        async (s) => {
          if (!(await accounts.setPassword(s.database.db, login!, password))) throw new UsageError('no manager with this login');
        },
        () => `password set for ${login}${made ? `: ${password} (shown once)` : ''}`,
      );
    },
  },
  'managers disable': {
    usage: 'managers disable LOGIN',
    summary: 'stop an account signing in; its sessions end at once (enable it again with managers enable)',
    positionals: 1,
    run: ({ positionals: [login] }) => toggleManager(login!, true),
  },
  'managers enable': {
    usage: 'managers enable LOGIN',
    summary: 'let a disabled account sign in again',
    positionals: 1,
    run: ({ positionals: [login] }) => toggleManager(login!, false),
  },
  'managers list': {
    usage: 'managers list',
    summary: 'the console accounts: login, name, phone, and whether disabled',
    positionals: 0,
    run: () =>
      managerCommand(
        (api) => api('/managers'),
        async (s) => ({ managers: await accounts.list(s.database.db) }),
        (body) =>
          (body as { managers: Manager[] }).managers
            .map((m) => `${m.login.padEnd(20)} ${m.name}${m.phone ? ` +${m.phone}` : ''}${m.disabled ? ' (disabled)' : ''}`)
            .join('\n') || 'no accounts yet: vitrina managers add LOGIN --name NAME',
        { writes: false },
      ),
  },
  'shopper export': {
    usage: 'shopper export PHONE|USER_ID',
    summary: 'print everything kept about a shopper as JSON (messages, preferences, alerts, escalations)',
    positionals: 1,
    run: ({ positionals: [who] }) =>
      withServices(
        loadConfig(),
        async (api) => printResponse(await api(`/shoppers/${encodeURIComponent(who!)}/export`)),
        async (s) => {
          const data = await exportShopper({ db: s.database.db, store: s.store, invoiceUrl: (t) => s.orders.invoiceUrl(t) }, who!);
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
          const result = await forgetShopper({ db: s.database.db, store: s.store, clock: s.clock, log: s.log }, who!);
          if (!result) throw new UsageError('no shopper with this phone number or id');
          console.log(JSON.stringify(result));
          return 0;
        },
      ),
  },
};

const toggleManager = (login: string, disabled: boolean) =>
  managerCommand(
    (api) => api(`/managers/${encodeURIComponent(login)}/${disabled ? 'disable' : 'enable'}`, { method: 'POST' }),
    async (s) => {
      if (!(await accounts.setDisabled(s.database.db, login, disabled, new Date()))) throw new UsageError('no manager with this login');
    },
    () => `${login} ${disabled ? 'disabled' : 'enabled'}`,
  );

const templatesFile = () => process.env.TEMPLATES_FILE ?? TEMPLATES_FILE;

async function withMeta(fn: (args: Parameters<typeof syncTemplates>[0]) => Promise<void>): Promise<number> {
  const config = loadConfig();
  if (!config.WHATSAPP_TOKEN || !config.WHATSAPP_WABA_ID) throw new UsageError('templates sync/status talk to Meta: set WHATSAPP_TOKEN and WHATSAPP_WABA_ID');
  const client = new WhatsAppClient({
    baseUrl: config.WHATSAPP_API_URL,
    version: config.WHATSAPP_API_VERSION,
    token: config.WHATSAPP_TOKEN,
    timeoutMs: config.WHATSAPP_TIMEOUT_MS,
  });
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await fn({ client, wabaId: config.WHATSAPP_WABA_ID, db: db.db, templates: loadTemplates(templatesFile()), now: new Date() });
    return 0;
  } finally {
    await db.close();
  }
}

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
