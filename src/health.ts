import { APIConnectionError } from 'openai';
import type { Database } from './db/database.ts';
import { recentExchanges, type Exchange } from './exchange/exchange-repo.ts';
import type { Media } from './media/media.ts';
import type { SandboxGraph } from './sandbox/sandbox-graph.ts';
import type { Kv } from './kv/kv.ts';
import type { TemplateRegistry } from './meta-templates/registry.ts';

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

const MODEL_PROBE_TTL_MS = 30_000;

/**
 * What a load balancer asks before sending traffic. Not ready: shutting down, Postgres
 * unreachable (webhooks could not be stored) or no message templates loaded. Redis down and
 * the model unreachable are reported but leave the instance ready: the bot keeps answering
 * with less context, or with the offline rules.
 */
export class Health {
  draining = false;
  private modelProbe: { at: number; result: Promise<string> } | null = null;

  constructor(private readonly s: { database: Database; kv: Kv; templates: TemplateRegistry; media: Media; sandbox: SandboxGraph | null }) {}

  async readiness(): Promise<Readiness> {
    const { s } = this;
    const checks: Record<string, string> = {};
    let ok = true;
    const check = async (name: string, required: boolean, ping: () => Promise<unknown>) => {
      try {
        await ping();
        checks[name] = 'ok';
      } catch (err) {
        if (required) ok = false;
        checks[name] = `down: ${String(err)}`;
      }
    };
    await Promise.all([check('database', true, () => s.database.ping()), check('store', false, () => s.kv.ping())]);
    checks.database_kind = s.database.kind;
    checks.store_kind = s.kv.kind;
    const templates = s.templates.current().size;
    checks.templates = templates > 0 ? `${templates} loaded` : 'none loaded';
    if (templates === 0) ok = false;
    checks.whatsapp = s.sandbox ? 'sandbox' : 'graph';
    const ffmpeg = s.media.opts.ffmpeg;
    checks.ffmpeg = ffmpeg ? `${ffmpeg.source}: ${ffmpeg.path}` : 'missing: voice notes get a polite text answer';
    checks.model = await this.model();
    // the store's own system: when the catalog last came from it, what changed, what went wrong (informational)
    const [last] = await recentExchanges(s.database.db, 1).catch(() => []);
    if (last) checks.catalog_exchange = describeExchange(last);
    if (this.draining) {
      ok = false;
      checks.shutdown = 'draining';
    }
    return { ok, checks };
  }

  /** Any HTTP answer from the model's API counts as reachable; probed at most every 30 s. */
  private model(): Promise<string> {
    const openai = this.s.media.opts.openai;
    if (!openai) return Promise.resolve('offline rules (no OPENAI_API_KEY)');
    const now = Date.now();
    if (!this.modelProbe || now - this.modelProbe.at > MODEL_PROBE_TTL_MS) {
      const result = openai.models.list({ timeout: 3000 }).then(
        () => 'openai: reachable',
        (err) => (err instanceof APIConnectionError ? `openai: unreachable (${err.message}); answering with the offline rules` : 'openai: reachable'),
      );
      this.modelProbe = { at: now, result };
    }
    return this.modelProbe.result;
  }
}

/** One line on an exchange for the operator: "1c catalog done 2026-12-04T10:00:00.000Z: goods 283, offers 44, inserted 283, …". */
export function describeExchange(e: Exchange): string {
  const counts = Object.entries(e.counts)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${v}`);
  return `${e.source} ${e.kind} ${e.status} ${e.updatedAt.toISOString()}${counts.length ? `: ${counts.join(', ')}` : ''}${e.error ? `; error: ${e.error}` : ''}`;
}
