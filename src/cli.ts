import { importRows, IMPORT_BATCH, parseCatalogFile } from './catalog/import.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { ConfigError, TemplateError } from './errors.ts';
import { checkTemplates, loadTemplates, preview, TEMPLATE_LANGS, TEMPLATES_FILE, type TemplateLang } from './templates/message-templates.ts';
import { readLiveServer } from './server-info.ts';
import { syncTemplates, templatesStatus } from './templates/meta-sync.ts';
import { WhatsAppClient } from './whatsapp/client.ts';
import { buildServices } from './services.ts';
import { createLogger } from './log.ts';
import { runJob } from './jobs/jobs.ts';

const USAGE = `usage: vitrina <command>

commands:
  migrate                apply database migrations (Postgres when DATABASE_URL is set, else PGlite in DATA_DIR)
  catalog import FILE    import products from CSV or JSON (columns in the README); bad rows are
                         reported by line and skipped, good rows imported in all-or-nothing batches
  jobs run NAME          run a scheduled job now (price-alerts) and print what it did as JSON
  templates check        check templates/message_templates.yaml against Meta's rules (exit 1 on any error)
  templates preview KEY [--lang ru|kk|en]
                         show a template as WhatsApp would, with its examples
  templates sync         create the templates Meta does not have; list where Meta's text differs
  templates status       Meta's approval state of each template language (recorded for sending)
`;

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

async function catalogImport(config: Config, file: string): Promise<number> {
  const { rows, errors } = parseCatalogFile(file, config.CURRENCY);
  for (const e of errors) process.stderr.write(`${file}:${e.line}: ${e.error}\n`);
  let result: { inserted: number; updated: number; priceChanges: number };
  const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
  if (server) {
    // The running embedded server owns the PGlite directory: go through its admin API.
    result = { inserted: 0, updated: 0, priceChanges: 0 };
    for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
      const chunk = rows.slice(i, i + IMPORT_BATCH).map((r) => ({
        id: r.id, name: r.name, description: r.description, category: r.category, brand: r.brand, color: r.color, style: r.style,
        material: r.material, price: r.price / 100, old_price: r.oldPrice === null ? undefined : r.oldPrice / 100, currency: r.currency,
        stock: r.stock, image_url: r.imageUrl ?? undefined, url: r.url ?? undefined, tags: r.tags, attributes: r.attributes,
      }));
      const res = await fetch(`http://127.0.0.1:${server.port}/admin/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.ADMIN_TOKEN ?? server.adminToken}` },
        body: JSON.stringify({ products: chunk }),
      });
      if (!res.ok) throw new Error(`admin API answered ${res.status}: ${await res.text()}`);
      const r = (await res.json()) as typeof result;
      result.inserted += r.inserted;
      result.updated += r.updated;
      result.priceChanges += r.priceChanges;
      progress(Math.min(rows.length, i + IMPORT_BATCH), rows.length);
    }
  } else {
    const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
    try {
      result = await importRows(db.db, rows, () => new Date(), progress);
    } finally {
      await db.close();
    }
  }
  console.log(
    `imported ${rows.length} products (${result.inserted} new, ${result.updated} updated, ${result.priceChanges} price changes); ${errors.length} rows skipped`,
  );
  return errors.length ? 1 : 0;
}

async function run(argv: string[]): Promise<number> {
  const [command, sub, arg] = argv;
  switch (command) {
    case 'migrate': {
      const config = loadConfig();
      const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
      await db.close();
      console.log(`migrations applied (${db.kind})`);
      return 0;
    }
    case 'catalog':
      if (sub === 'import' && arg) return catalogImport(loadConfig(), arg);
      process.stderr.write(`vitrina: expected "catalog import FILE"\n${USAGE}`);
      return 1;
    case 'jobs': {
      if (sub !== 'run' || !arg) {
        process.stderr.write(`vitrina: expected "jobs run NAME"\n${USAGE}`);
        return 1;
      }
      const config = loadConfig();
      const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
      if (server) {
        const res = await fetch(`http://127.0.0.1:${server.port}/admin/api/jobs/${encodeURIComponent(arg)}/run`, {
          method: 'POST',
          headers: { authorization: `Bearer ${config.ADMIN_TOKEN ?? server.adminToken}` },
        });
        console.log(await res.text());
        return res.ok ? 0 : 1;
      }
      const services = await buildServices({ ...config, CRON: 'off' }, { log: createLogger({ level: config.LOG_LEVEL, stderr: true }) });
      try {
        const result = await runJob(services, arg);
        console.log(JSON.stringify(result));
        // deliver what the job enqueued before exiting
        await services.sender.pump.drain();
        return 0;
      } finally {
        await services.close();
      }
    }
    case 'templates': {
      const file = process.env.TEMPLATES_FILE ?? TEMPLATES_FILE;
      if (sub === 'check') {
        const { templates, problems } = checkTemplates(file);
        for (const p of problems) process.stderr.write(`${p.file}:${p.line}:${p.col}: ${p.message}\n`);
        if (!problems.length) console.log(`${templates.size} templates OK (${[...templates.keys()].join(', ')})`);
        return problems.length ? 1 : 0;
      }
      if (sub === 'preview' && arg) {
        const templates = loadTemplates(file);
        const t = templates.get(arg);
        if (!t) {
          process.stderr.write(`vitrina: no template "${arg}" (have: ${[...templates.keys()].join(', ')})\n`);
          return 1;
        }
        const i = argv.indexOf('--lang');
        const langs = i > 0 ? [argv[i + 1] as TemplateLang] : [...TEMPLATE_LANGS];
        if (langs.some((l) => !TEMPLATE_LANGS.includes(l))) {
          process.stderr.write(`vitrina: --lang is one of ${TEMPLATE_LANGS.join(', ')}\n`);
          return 1;
        }
        console.log(langs.map((l) => preview(t, l)).join('\n\n'));
        return 0;
      }
      if (sub === 'sync' || sub === 'status') {
        const config = loadConfig();
        if (!config.WHATSAPP_TOKEN || !config.WHATSAPP_WABA_ID) {
          process.stderr.write('vitrina: templates sync/status talk to Meta: set WHATSAPP_TOKEN and WHATSAPP_WABA_ID\n');
          return 1;
        }
        const templates = loadTemplates(file);
        const client = new WhatsAppClient({ baseUrl: config.WHATSAPP_API_URL, version: config.WHATSAPP_API_VERSION, token: config.WHATSAPP_TOKEN, timeoutMs: config.WHATSAPP_TIMEOUT_MS });
        const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
        try {
          const args = { client, wabaId: config.WHATSAPP_WABA_ID, db: db.db, templates, now: new Date() };
          if (sub === 'sync') {
            const r = await syncTemplates(args);
            for (const c of r.created) console.log(`created  ${c.name} (${c.language}) id ${c.id}: ${c.status}`);
            for (const d of r.differences) console.log(`differs  ${d.name} (${d.language}) ${d.component}:\n  ours: ${d.ours}\n  meta: ${d.meta}`);
            console.log(`${r.created.length} created, ${r.differences.length} differences, ${r.unchanged} unchanged`);
          } else {
            for (const r of await templatesStatus(args)) console.log(`${r.status.padEnd(9)} ${r.name} (${r.language})${r.id ? ` id ${r.id}` : ''}`);
          }
          return 0;
        } finally {
          await db.close();
        }
      }
      process.stderr.write(`vitrina: expected "templates check|preview KEY|sync|status"\n${USAGE}`);
      return 1;
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
  if (err instanceof ConfigError || err instanceof TemplateError) {
    console.error(`vitrina: ${err.message}`);
    process.exitCode = 1;
  } else {
    console.error(`vitrina: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
