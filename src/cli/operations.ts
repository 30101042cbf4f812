import { hc } from 'hono/client';
import type { AdminApi } from '../admin/routes.ts';
import { createApp } from '../app.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { readLiveServer } from '../server-info.ts';
import { buildServices } from '../services/services.ts';
import { needDatabase, UsageError, whereStored } from './command.ts';

/** The admin API as Hono's typed client: every CLI operation is one of its calls. */
export type Operations = ReturnType<typeof hc<AdminApi>>;

export interface Reached {
  ops: Operations;
  /** The same transport, for a call the typed client cannot make (a file streamed as the body). */
  fetch: typeof fetch;
  /** Where the call's writes land, for the line that reports them: "through the running server, in Postgres …", or "into the embedded database in …". */
  where(preposition: 'in' | 'into'): string;
}

/**
 * One operations interface, reached two ways with the same routes, validation and errors:
 * over HTTP to the embedded server that holds PGlite's data directory (one process per
 * directory), or in process over services built for this command (CRON off; what the
 * command enqueued is delivered before it exits). `makeDatabase`: a command that may run
 * before the store's first start (a catalog import) creates the database instead of refusing.
 */
export async function withOperations(config: Config, fn: (r: Reached) => Promise<number>, opts: { makeDatabase?: boolean } = {}): Promise<number> {
  const server = config.DATABASE_URL ? null : readLiveServer(config.DATA_DIR);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  if (server) {
    const headers = bearer(config.ADMIN_TOKEN ?? server.adminToken);
    const base = `http://127.0.0.1:${server.port}`;
    const through: typeof fetch = (input, init) =>
      fetch(new Request(new URL(String(input), base), { ...init, headers: { ...headers, ...(init?.headers as object) } }));
    return fn({ ops: hc<AdminApi>(`${base}/admin/api`, { headers }), fetch: through, where: (p) => `through the running server, ${p} ${whereStored(config)}` });
  }
  if (!opts.makeDatabase) needDatabase(config);
  // the command prints its own answer and failure: the in-process server logs only what failed outright, unless asked for more
  const level = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? config.LOG_LEVEL : 'error';
  const services = await buildServices({ ...config, CRON: 'off' }, { log: createLogger({ level, stderr: true }) });
  try {
    const app = createApp(services);
    const headers = bearer(services.adminToken);
    const inProcess: typeof fetch = (input, init) => Promise.resolve(app.request(input instanceof Request ? input : String(input), init));
    const through: typeof fetch = (input, init) => inProcess(input, { ...init, headers: { ...headers, ...(init?.headers as object) } });
    const code = await fn({
      ops: hc<AdminApi>('http://cli/admin/api', { headers, fetch: inProcess }),
      fetch: through,
      where: (p) => `${p} ${whereStored(config)}`,
    });
    await services.sender.pump.drain();
    return code;
  } finally {
    await services.close();
  }
}

/** An answer's body, or the API's error message as the command's one-line failure. */
export async function answer<T>(res: { ok: boolean; status: number; json(): Promise<T> }): Promise<T> {
  const body = (await res.json()) as T & { error?: { message?: string; fields?: Record<string, string[]> } };
  if (res.ok) return body;
  const fields = Object.entries(body.error?.fields ?? {}).map(([k, v]) => `${k}: ${v.join('; ')}`);
  throw new UsageError([body.error?.message ?? `the server answered ${res.status}`, ...fields].join(' — '));
}
