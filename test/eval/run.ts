/**
 * The eval set: shopper utterances in ru, kk and en with the tool and arguments we expect.
 *   npm run eval                                  scores the offline assistant (rules)
 *   EVAL_BASE_URL=... EVAL_API_KEY=... EVAL_MODEL=... npm run eval
 *                                                 scores any OpenAI-compatible endpoint
 * A case passes when the first tool call has the expected name (or none for greetings/help)
 * and every expected argument (category, colour, style, max_price) matches.
 */
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { extract } from '../../core/extract.ts';
import { classify } from '../../core/offline-assistant.ts';
import { toolSpecs } from '../../core/tools.ts';
import { storeVocabulary } from '../helpers/store-vocabulary.ts';
import { demoStoreDir } from '../../src/config.ts';

const vocabulary = storeVocabulary(demoStoreDir());

interface Case {
  lang: 'ru' | 'kk' | 'en';
  text: string;
  tool: string;
  args: Record<string, unknown>;
}
const cases = JSON.parse(readFileSync(new URL('./utterances.json', import.meta.url), 'utf8')) as Case[];

type Guess = { tool: string; args: Record<string, unknown> };

function offline(text: string): Guess {
  const intent = classify(text, vocabulary);
  if (intent.kind === 'manager' || intent.kind === 'complaint') return { tool: 'escalate_to_manager', args: {} };
  if (intent.kind === 'recommend' || intent.kind === 'similar') return { tool: 'get_recommendations', args: {} };
  if (intent.kind === 'greeting' || intent.kind === 'help' || intent.kind === 'ordinal') return { tool: 'none', args: {} };
  const ex = extract(text, vocabulary);
  return { tool: 'search_products', args: { category: ex.category, color: ex.color, style: ex.style, max_price: ex.budgetMax } };
}

async function viaModel(client: OpenAI, model: string, text: string): Promise<Guess> {
  const res = await client.chat.completions.create({
    model,
    messages: [
      {
        role: 'system',
        content:
          'You are a furniture store shopping assistant in WhatsApp. Use tools for every product question. Categories: Диваны, Кресла, Столы, Стулья, Кровати, Шкафы, Освещение, Декор. Colours are Russian adjectives in the masculine (серый, чёрный, зелёный…). Styles: лофт, скандинавский, классический, современный, минимализм. Prices in KZT.',
      },
      { role: 'user', content: text },
    ],
    tools: toolSpecs(vocabulary),
  });
  const call = res.choices[0]?.message.tool_calls?.find((c) => c.type === 'function');
  if (call?.type !== 'function') return { tool: 'none', args: {} };
  return { tool: call.function.name, args: JSON.parse(call.function.arguments || '{}') };
}

const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase().replace(/ё/g, 'е') : v);

async function main() {
  const base = process.env.EVAL_BASE_URL;
  const client = base ? new OpenAI({ baseURL: base, apiKey: process.env.EVAL_API_KEY ?? 'none', timeout: 30_000, maxRetries: 1 }) : null;
  const model = process.env.EVAL_MODEL ?? 'gpt-4o-mini';
  const byLang: Record<string, { pass: number; total: number }> = {};
  const failures: string[] = [];
  for (const c of cases) {
    const guess: Guess = client ? await viaModel(client, model, c.text).catch((e): Guess => ({ tool: `error: ${e.message}`, args: {} })) : offline(c.text);
    const argsOk = Object.entries(c.args).every(([k, v]) => norm(guess.args[k]) === norm(v));
    const ok = guess.tool === c.tool && argsOk;
    byLang[c.lang] ??= { pass: 0, total: 0 };
    byLang[c.lang]!.total++;
    if (ok) byLang[c.lang]!.pass++;
    else failures.push(`  [${c.lang}] "${c.text}": expected ${c.tool} ${JSON.stringify(c.args)}, got ${guess.tool} ${JSON.stringify(guess.args)}`);
  }
  const pass = Object.values(byLang).reduce((a, b) => a + b.pass, 0);
  console.log(`eval: ${client ? `${model} at ${base}` : 'offline assistant (rules)'} — ${cases.length} utterances`);
  for (const [lang, r] of Object.entries(byLang)) console.log(`  ${lang}: ${r.pass}/${r.total} (${((100 * r.pass) / r.total).toFixed(0)} %)`);
  console.log(`  all: ${pass}/${cases.length} (${((100 * pass) / cases.length).toFixed(1)} %)`);
  if (failures.length) console.log(`misses:\n${failures.join('\n')}`);
}

await main();
