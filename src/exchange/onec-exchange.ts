import { randomBytes } from 'node:crypto';
import type { CatalogWrites } from '../catalog/catalog-writes.ts';
import { CommerceMLError, readCommerceML } from '../catalog/commerceml.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { canMove, getOrder } from '../orders/order-repo.ts';
import type { Orders } from '../orders/orders.ts';
import type { Profile } from '../profile/store-profile.ts';
import { sameSecret } from '../secret.ts';
import {
  abandonStale,
  addCounts,
  claimImport,
  clearImports,
  endImport,
  importState,
  finishExchange,
  getExchange,
  openExchange,
  renewImport,
  touchExchange,
  type Exchange,
} from './exchange-repo.ts';
import { keepPictures, type ExchangeFiles } from './exchange-files.ts';
import { markExported, ordersNotExported, ordersXml, statusesOf } from './onec-orders.ts';
import { safeName, unzipEntries, UnzipError, zipEntry, zipNames } from './unzip.ts';
import type { Attempts } from '../kv/attempts.ts';

/** The cookie 1C is given at checkauth and sends back on every later call. */
export const COOKIE = 'vitrina_1c';
const LEASE_MS = 60_000;
const ORDERS_PER_QUERY = 500;
/** An exchange with no call for this long was abandoned by 1C. */
const ABANDONED_AFTER_MS = 60 * 60_000;

/** What the endpoint answers: 1C reads plain text lines (`success`, `progress`, `failure\n<reason>`), or the orders' XML. */
export interface Answer {
  body: string;
  contentType: 'text/plain' | 'application/xml';
  /** For the log and the metrics: how the call ended. */
  outcome: 'success' | 'progress' | 'failure';
  cookie?: string;
}

const text = (outcome: Answer['outcome'], ...lines: string[]): Answer => ({ body: [outcome, ...lines].join('\n'), contentType: 'text/plain', outcome });
const failure = (reason: string): Answer => text('failure', reason);

export interface OneCCall {
  type: string;
  mode: string;
  filename?: string;
  /** The Authorization header, when sent. */
  authorization?: string;
  /** The caller's address (request-origin.ts): wrong passwords are limited per address. */
  source: string;
  /** The exchange this call continues: 1C sends back the cookie checkauth gave it (its "session"), or `sessid`. */
  exchangeId?: string;
  /** The body of `mode=file`, read up to the limit; `tooLarge` when it was over. */
  body?: { data: Uint8Array; tooLarge: boolean };
}

/**
 * 1C's "обмен с сайтом" (CommerceML 2), as 1C:Enterprise's standard modules speak it — nothing
 * to install on the 1C side. The exchange (named by the cookie checkauth gives 1C) and the uploaded files live in Postgres, so a call may
 * reach any process; an import runs in the process that took it, holds a lease while it runs,
 * and a repeated `mode=import` after that process died takes it over. Every failure is answered
 * `failure\n<reason>` (1C shows the reason to its operator), logged, and leaves the catalog as it was.
 */
export class OneCExchange {
  private readonly running = new Map<string, Promise<void>>();
  private readonly layouts = new Map<string, { key: string; map: Map<string, string | null> }>();

  constructor(
    private readonly o: {
      db: Db;
      files: ExchangeFiles;
      clock: Clock;
      log: Logger;
      metrics: Metrics;
      profile: () => Profile;
      orders: Orders;
      user: string;
      password: string;
      /** Wrong passwords per calling address (src/kv/attempts.ts). */
      attempts: Attempts;
      fileLimit: number;
      maxFileBytes: number;
      waitMs: number;
      /** The one way products are written: counted, price alerts run on the new prices and stock, the vocabulary learns new words. */
      writes: CatalogWrites;
    },
  ) {}

  async call(c: OneCCall): Promise<Answer> {
    const answer = await this.dispatch(c).catch((err: unknown) => {
      this.o.log.error({ err, type: c.type, mode: c.mode }, '1C exchange call failed');
      return failure(`internal error: ${(err as Error).message ?? String(err)}`);
    });
    this.o.metrics.onecCalls.inc({ type: c.type, mode: c.mode, outcome: answer.outcome });
    if (answer.outcome === 'failure')
      this.o.log.warn({ type: c.type, mode: c.mode, filename: c.filename, reason: answer.body.split('\n')[1] }, '1C exchange call refused');
    else this.o.log.info({ type: c.type, mode: c.mode, filename: c.filename, outcome: answer.outcome }, '1C exchange call');
    return answer;
  }

  private signedIn(authorization?: string): boolean {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization?.trim() ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // both compared in full, so a wrong user takes as long as a wrong password
    const userOk = sameSecret(decoded.slice(0, colon), this.o.user);
    const passOk = sameSecret(decoded.slice(colon + 1), this.o.password);
    return userOk && passOk;
  }

  private async dispatch(c: OneCCall): Promise<Answer> {
    if (c.type !== 'catalog' && c.type !== 'sale') return failure(`unknown type "${c.type}": catalog or sale`);
    const now = this.o.clock.now();
    if (c.mode === 'checkauth') {
      // counted before the check: a burst of guesses cannot outrun the lock
      if (!(await this.o.attempts.take(c.source))) return failure('too many wrong passwords from this address: try again in 15 minutes');
      if (!this.signedIn(c.authorization)) return failure('wrong user or password (ONEC_USER, ONEC_PASSWORD)');
      await this.o.attempts.clear(c.source);
      const id = randomBytes(18).toString('base64url');
      const abandoned = await abandonStale(this.o.db, new Date(now.getTime() - ABANDONED_AFTER_MS), now);
      for (const a of abandoned) await this.o.files.clear(a);
      if (abandoned.length)
        this.o.log.warn({ abandoned: abandoned.length }, '1C exchanges abandoned half-way: their files dropped, the catalog kept what they had imported');
      await openExchange(this.o.db, { id, source: '1c', kind: c.type, at: now });
      const answer = text('success', COOKIE, id, `sessid=${id}`, `timestamp=${Math.floor(now.getTime() / 1000)}`);
      return { ...answer, cookie: id };
    }
    const ex = c.exchangeId ? await getExchange(this.o.db, c.exchangeId) : null;
    if (ex?.source !== '1c') return failure('not signed in: call mode=checkauth first and send its cookie');
    if (ex.kind !== c.type) return failure(`this exchange is for type=${ex.kind}`);
    // a failure ends the exchange (1C stops at one): nothing more is taken in, nothing hidden by it
    if (ex.status === 'failed' && ['init', 'file', 'deactivate'].includes(c.mode))
      return failure(`this exchange was closed: ${ex.error ?? 'failed'}; start again with mode=checkauth`);
    switch (c.mode) {
      case 'init':
        this.layouts.delete(ex.id);
        await this.o.files.clear(ex.id);
        await clearImports(this.o.db, ex.id);
        await touchExchange(this.o.db, ex.id, now);
        return { body: `zip=yes\nfile_limit=${this.o.fileLimit}`, contentType: 'text/plain', outcome: 'success' };
      case 'file':
        return this.file(ex, c, now);
      case 'import':
        // type=sale: the documents were applied when they came (mode=file)
        return c.type === 'catalog' ? this.import(ex, c.filename) : text('success');
      case 'deactivate':
        return this.deactivate(ex, now);
      case 'complete':
        if (ex.status === 'open') await finishExchange(this.o.db, ex.id, ex.error ? 'failed' : 'done', null, now);
        this.layouts.delete(ex.id);
        await this.o.files.clear(ex.id);
        return text('success');
      case 'query':
        return c.type === 'sale' ? this.query(ex, now) : failure('mode=query is for type=sale');
      case 'success':
        if (c.type !== 'sale') return text('success');
        await addCounts(this.o.db, ex.id, { exported: await markExported(this.o.db, ex.orders ?? [], now) }, now);
        await finishExchange(this.o.db, ex.id, 'done', null, now);
        return text('success');
      default:
        return failure(`unknown mode "${c.mode}"`);
    }
  }

  private async file(ex: Exchange, c: OneCCall, now: Date): Promise<Answer> {
    const name = safeName(c.filename ?? '');
    if (!name) return failure(`filename missing or not allowed: ${JSON.stringify(c.filename ?? '')}`);
    if (!c.body) return failure('the file has no body');
    if (c.body.tooLarge) return this.fail(ex, `${name}: one call sent more than file_limit=${this.o.fileLimit} bytes`, now);
    if ((await this.o.files.size(ex.id, name)) + c.body.data.length > this.o.maxFileBytes)
      return this.fail(ex, `${name}: the file grows past ${this.o.maxFileBytes} bytes`, now);
    await this.o.files.append(ex.id, name, c.body.data);
    await touchExchange(this.o.db, ex.id, now);
    if (ex.kind === 'sale') return this.saleFile(ex, name, now);
    return text('success');
  }

  private async fail(ex: Exchange, reason: string, now: Date): Promise<Answer> {
    await finishExchange(this.o.db, ex.id, 'failed', reason, now);
    return failure(reason);
  }

  /** 1C's order documents (a zip of them with zip=yes): each order moves to what 1C says (the shopper told through the order templates). */
  private async saleFile(ex: Exchange, name: string, now: Date): Promise<Answer> {
    let moved = 0;
    let unknown = 0;
    const source = this.o.profile().catalogSource;
    const documents = [];
    try {
      const layout = await this.layout(ex);
      // the file just sent: its documents, or those of the XML files in it when it is an archive
      const names = layout.has(name) ? [name] : [...layout].filter(([n, where]) => where === name && n.toLowerCase().endsWith('.xml')).map(([n]) => n);
      for (const f of names) for await (const e of readCommerceML(this.open(ex, f, layout.get(f)!)())) if (e.kind === 'document') documents.push(e);
    } catch (err) {
      if (err instanceof CommerceMLError) return this.fail(ex, `${name} is not whole CommerceML: ${err.message}`, now);
      if (err instanceof UnzipError) return this.fail(ex, `${name}: ${err.message}`, now);
      throw err;
    }
    for (const doc of documents) {
      const order = (await getOrder(this.o.db, { number: doc.number })) ?? (doc.id ? await getOrder(this.o.db, { number: doc.id }) : null);
      if (!order) {
        unknown++;
        continue;
      }
      let status = order.status;
      for (const to of statusesOf(doc, source)) {
        if (to === status || !canMove(status, to)) continue;
        await this.o.orders.move(order.number, to, '1c');
        status = to;
        moved++;
      }
    }
    await addCounts(this.o.db, ex.id, { documents: documents.length, moved, unknownOrders: unknown }, now);
    return text('success');
  }

  private async query(ex: Exchange, now: Date): Promise<Answer> {
    const ids = await ordersNotExported(this.o.db, ORDERS_PER_QUERY);
    const orders = (await Promise.all(ids.map((id) => getOrder(this.o.db, { id })))).filter((o) => o !== null);
    await touchExchange(this.o.db, ex.id, now, ids);
    await addCounts(this.o.db, ex.id, { queried: ids.length }, now);
    return { body: ordersXml(orders, { timeZone: this.o.profile().timeZone, now }), contentType: 'application/xml', outcome: 'success' };
  }

  private async deactivate(ex: Exchange, now: Date): Promise<Answer> {
    // only after a whole catalog: a partial exchange (СодержитТолькоИзменения) mentions only what changed
    if (ex.counts.fullCatalog !== true) {
      this.o.log.info({ exchange: ex.id }, '1C deactivate after a partial exchange: nothing hidden');
      return text('success');
    }
    const hidden = await this.o.writes.hideUnmentioned(ex.startedAt);
    await addCounts(this.o.db, ex.id, { deactivated: hidden }, now);
    return text('success');
  }

  /**
   * `mode=import`: the first call starts the import and waits for it a while; a call that finds
   * it still running answers `progress` (1C calls again), one that finds it done `success`, one
   * that finds it failed `failure` with the reason.
   */
  private async import(ex: Exchange, filename: string | undefined): Promise<Answer> {
    const name = safeName(filename ?? '');
    if (!name) return failure(`filename missing or not allowed: ${JSON.stringify(filename ?? '')}`);
    if (ex.status === 'failed') {
      // a failed exchange starts nothing new; an import it ran is answered as it ended
      const ended = await importState(this.o.db, ex.id, name);
      return ended?.status === 'failed'
        ? failure(ended.error ?? `${name}: import failed`)
        : failure(`this exchange was closed: ${ex.error ?? 'failed'}; start again with mode=checkauth`);
    }
    const key = `${ex.id}:${name}`;
    const state = await claimImport(this.o.db, ex.id, name, this.o.clock.now(), LEASE_MS);
    if (state.claimed) {
      const task = this.run(ex, name).finally(() => this.running.delete(key));
      this.running.set(key, task);
    }
    const task = this.running.get(key);
    if (task && this.o.waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([task, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.waitMs)))]);
      clearTimeout(timer);
    } else if (state.status === 'running' && this.o.waitMs > 0) {
      // another process runs it: look again now and then, so 1C waits here instead of calling in a tight loop
      const until = Date.now() + this.o.waitMs;
      while (Date.now() < until && (await importState(this.o.db, ex.id, name))?.status === 'running')
        await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
    }
    const now = await claimImport(this.o.db, ex.id, name, this.o.clock.now(), LEASE_MS);
    if (now.claimed) {
      // the runner before us died between the two reads: ours now
      this.running.set(
        key,
        this.run(ex, name).finally(() => this.running.delete(key)),
      );
      return text('progress', `${name}: import restarted`);
    }
    if (now.status === 'done') return text('success');
    if (now.status === 'failed') return failure(now.error ?? `${name}: import failed`);
    return text('progress', `${name}: ${now.progress.goods ?? 0} goods and ${now.progress.offers ?? 0} offers read`);
  }

  private async run(ex: Exchange, name: string): Promise<void> {
    const { db, clock, log } = this.o;
    let progress: Record<string, number> = {};
    const heartbeat = setInterval(() => void renewImport(db, ex.id, name, new Date(clock.now().getTime() + LEASE_MS), progress).catch(() => {}), LEASE_MS / 4);
    heartbeat.unref();
    const started = Date.now();
    try {
      const layout = await this.layout(ex);
      if (!layout.has(name)) throw new ImportRefused(`${name} was not uploaded in this exchange (mode=file first)`);
      // once per exchange: 1C's split import___*.xml files share one import_files/ folder
      const kept = (await getExchange(db, ex.id))?.counts.picturesKept === true;
      const pictures = name.startsWith('import') && !kept ? await keepPictures(db, this.pictures(ex, layout), clock.now()) : 0;
      const r = await this.o.writes.commerceML(this.open(ex, name, layout.get(name)!), (p) => (progress = p));
      if (!r.ok) throw new ImportRefused(`${name}: ${r.error}`);
      await addCounts(
        db,
        ex.id,
        { ...r.counts, pictures, ...(name.startsWith('import') ? { picturesKept: true } : {}), ...(r.fullCatalog ? { fullCatalog: true } : {}) },
        clock.now(),
      );
      await endImport(db, ex.id, name, 'done', { goods: r.counts.goods, offers: r.counts.offers }, null);
      log.info({ exchange: ex.id, file: name, ms: Date.now() - started, ...r.counts }, '1C import done');
    } catch (err) {
      const reason = err instanceof ImportRefused || err instanceof UnzipError ? err.message : `${name}: ${(err as Error).message ?? String(err)}`;
      if (!(err instanceof ImportRefused || err instanceof UnzipError)) log.error({ err, exchange: ex.id, file: name }, '1C import failed');
      await endImport(db, ex.id, name, 'failed', progress, reason).catch(() => {});
      await finishExchange(db, ex.id, 'failed', reason, clock.now()).catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Where each file of the exchange is: stored as sent (null), or inside one of its zip
   * archives (zip=yes), read from there as a stream whenever it is imported, never unpacked to
   * storage. Listing an archive unpacks it once and counts every byte, so a bomb is refused here.
   * Kept per process while the exchange's files stay the same.
   */
  private async layout(ex: Exchange): Promise<Map<string, string | null>> {
    const { files } = this.o;
    const stored = await files.list(ex.id);
    const key = stored.map((f) => `${f.name}:${f.size}`).join('\n');
    const known = this.layouts.get(ex.id);
    if (known?.key === key) return known.map;
    const map = new Map<string, string | null>();
    for (const f of stored) {
      if (!f.name.toLowerCase().endsWith('.zip')) map.set(f.name, null);
      else for (const n of await zipNames(files.read(ex.id, f.name), this.o.maxFileBytes)) map.set(n, f.name);
    }
    this.layouts.set(ex.id, { key, map });
    return map;
  }

  /** A file of the exchange as a stream that can be opened again (an import reads it twice). */
  private open(ex: Exchange, name: string, archive: string | null): () => AsyncIterable<Buffer> {
    const { files } = this.o;
    return archive === null ? () => files.read(ex.id, name) : () => zipEntry(files.read(ex.id, archive), this.o.maxFileBytes, name);
  }

  /** The pictures 1C sent (`import_files/…`), stored as sent or inside its archives. */
  private async *pictures(ex: Exchange, layout: Map<string, string | null>): AsyncGenerator<{ name: string; data: Buffer }> {
    const archives = new Set<string>();
    for (const [name, where] of layout) {
      if (!name.startsWith('import_files/')) continue;
      if (where !== null) archives.add(where);
      else {
        const parts: Buffer[] = [];
        for await (const c of this.o.files.read(ex.id, name)) parts.push(c);
        yield { name, data: Buffer.concat(parts) };
      }
    }
    for (const a of archives) {
      const parts = new Map<string, Uint8Array[]>();
      for await (const p of unzipEntries(this.o.files.read(ex.id, a), this.o.maxFileBytes, (n) => n.startsWith('import_files/'))) {
        if (!parts.has(p.name)) parts.set(p.name, []);
        parts.get(p.name)!.push(p.data);
        if (p.final) {
          yield { name: p.name, data: Buffer.concat(parts.get(p.name)!) };
          parts.delete(p.name);
        }
      }
    }
  }
}

/** An import refused for a reason 1C's operator can act on (not a bug). */
class ImportRefused extends Error {}
