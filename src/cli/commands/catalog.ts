import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig, type Config } from '../../config.ts';
import { UsageError, whereStored, type Command } from '../command.ts';
import { withOperations } from '../operations.ts';
import { runJobCommand } from './jobs.ts';

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
  // a catalog may be imported before the store's first start: the database is made, and the line says where
  const made = !config.DATABASE_URL && !config.DATA_DIR.startsWith('memory://') && !existsSync(join(config.DATA_DIR, 'PG_VERSION'));
  return withOperations(
    config,
    async ({ ops, fetch, where }) => {
      // the typed client sends JSON and forms; the file goes as it is, streamed, on the same transport
      const res = await fetch(ops.catalog.import.$url({ query: replace ? { replace: 'true' } : {} }), {
        method: 'POST',
        headers: { 'content-length': String(statSync(file).size) },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      const body = (await res.json()) as { format: string; counts: Record<string, number>; errors: Array<{ line: number; error: string }> } & {
        error?: { message: string; fields?: { rows?: string[] } };
      };
      const rows = (body.error?.fields?.rows ?? []).map((r) => /^line (\d+): (.*)$/s.exec(r)).flatMap((m) => (m ? [{ line: Number(m[1]), error: m[2]! }] : []));
      for (const e of res.ok ? body.errors : rows) process.stderr.write(`${file}:${e.line}: ${e.error}\n`);
      if (!res.ok) {
        console.error(
          `${file}: not imported, the catalog in ${whereStored(config)} is as it was: ${body.error?.message ?? `the server answered ${res.status}`}`,
        );
        return 1;
      }
      console.log(`imported ${file} (${body.format}) ${where('into')}${made ? ' (made now)' : ''}: ${importSummary(body.counts)}`);
      return body.errors.length ? 1 : 0;
    },
    { makeDatabase: true },
  );
}

/** The catalog: import a file, push to the Meta catalog. */
export const catalogCommands: Record<string, Command> = {
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
};
