import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadLexicon, loadSynonyms } from '../../catalog/lexicon.ts';
import { loadRateCard } from '../../analytics/rate-card.ts';
import { TemplateError } from '../../errors.ts';
import { loadPhrases } from '../../phrases.ts';
import { loadProfile } from '../../profile/store-profile.ts';
import { readYamlFile } from '../../yaml-file.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';
import { syncTemplates, templatesStatus } from '../../meta-templates/meta-sync.ts';
import { checkTemplates, loadTemplates, preview, TEMPLATE_LANGS, TEMPLATES_FILE, type TemplateLang } from '../../meta-templates/message-templates.ts';
import { WhatsAppClient } from '../../whatsapp/client.ts';
import { UsageError, type Command } from '../command.ts';

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

/** Meta's message templates: check, preview, sync, status. */
export const templatesCommands: Record<string, Command> = {
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
};
