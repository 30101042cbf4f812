import { createReadStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { iso, query, sql, type Tx } from '../db/database.ts';

/**
 * The files of an exchange (what 1C uploads, a feed being downloaded), appended piece by piece
 * and read back as a stream, so memory holds one piece however large the file. Names are
 * checked by the caller (`safeName`).
 */
/** Files are stored and read back in pieces of at most this size: what one step of an import holds (smaller pieces cost round trips: 256 KB made a 100,000-goods exchange 30 % slower). */
export const PIECE = 1024 * 1024;

export interface ExchangeFiles {
  append(exchangeId: string, name: string, data: Uint8Array): Promise<void>;
  size(exchangeId: string, name: string): Promise<number>;
  list(exchangeId: string): Promise<Array<{ name: string; size: number }>>;
  read(exchangeId: string, name: string): AsyncIterable<Buffer>;
  remove(exchangeId: string, name: string): Promise<void>;
  clear(exchangeId: string): Promise<void>;
}

/**
 * In Postgres (`exchange_files`): any process behind the load balancer can take 1C's next call
 * and import what an earlier call uploaded to another.
 */
export class TableFiles implements ExchangeFiles {
  constructor(private readonly db: Tx) {}

  async append(exchangeId: string, name: string, data: Uint8Array): Promise<void> {
    for (let i = 0; i < data.length || i === 0; i += PIECE) {
      const piece = data.subarray(i, i + PIECE);
      await this.db.execute(
        sql`insert into exchange_files (exchange_id, name, seq, size, data)
        select ${exchangeId}, ${name}, coalesce(max(seq) + 1, 0), ${piece.length}, ${Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)} from exchange_files where exchange_id = ${exchangeId} and name = ${name}`,
      );
    }
  }

  async size(exchangeId: string, name: string): Promise<number> {
    const [r] = await query<{ size: string | number | null }>(
      this.db,
      sql`select sum(size) as size from exchange_files where exchange_id = ${exchangeId} and name = ${name}`,
    );
    return Number(r?.size ?? 0);
  }

  async list(exchangeId: string): Promise<Array<{ name: string; size: number }>> {
    const rows = await query<{ name: string; size: string | number }>(
      this.db,
      sql`select name, sum(size) as size from exchange_files where exchange_id = ${exchangeId} group by name order by name`,
    );
    return rows.map((r) => ({ name: r.name, size: Number(r.size) }));
  }

  async *read(exchangeId: string, name: string): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const [r] = await query<{ data: Uint8Array }>(
        this.db,
        sql`select data from exchange_files where exchange_id = ${exchangeId} and name = ${name} and seq = ${seq}`,
      );
      if (!r) return;
      yield Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    }
  }

  async remove(exchangeId: string, name: string): Promise<void> {
    await this.db.execute(sql`delete from exchange_files where exchange_id = ${exchangeId} and name = ${name}`);
  }

  async clear(exchangeId: string): Promise<void> {
    await this.db.execute(sql`delete from exchange_files where exchange_id = ${exchangeId}`);
  }
}

/**
 * In a folder (`DATA_DIR/exchange/<id>/`): the embedded default is one process by design (PGlite
 * allows one per data directory), and PGlite moves large binary values slowly (15 MB took 4 s to
 * store where the folder takes milliseconds).
 */
export class FolderFiles implements ExchangeFiles {
  private root: Promise<string>;

  /** `dir` null: a private temporary folder (an in-memory database keeps nothing either). */
  constructor(dir: string | null) {
    this.root = dir ? mkdir(dir, { recursive: true }).then(() => dir) : mkdtemp(join(tmpdir(), 'vitrina-exchange-'));
  }

  private async path(exchangeId: string, name?: string): Promise<string> {
    const base = join(await this.root, exchangeId.replace(/[^A-Za-z0-9_-]/g, '_'));
    return name === undefined ? base : join(base, name);
  }

  async append(exchangeId: string, name: string, data: Uint8Array): Promise<void> {
    const p = await this.path(exchangeId, name);
    await mkdir(dirname(p), { recursive: true });
    await appendFile(p, data);
  }

  async size(exchangeId: string, name: string): Promise<number> {
    return stat(await this.path(exchangeId, name)).then(
      (s) => s.size,
      () => 0,
    );
  }

  async list(exchangeId: string): Promise<Array<{ name: string; size: number }>> {
    const base = await this.path(exchangeId);
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
    const files = entries
      .filter((e) => e.isFile())
      .map((e) =>
        relative(base, join(e.parentPath ?? e.path, e.name))
          .split('\\')
          .join('/'),
      );
    return Promise.all(files.sort().map(async (name) => ({ name, size: await this.size(exchangeId, name) })));
  }

  async *read(exchangeId: string, name: string): AsyncGenerator<Buffer> {
    const p = await this.path(exchangeId, name);
    if (
      !(await stat(p).then(
        () => true,
        () => false,
      ))
    )
      return;
    yield* createReadStream(p, { highWaterMark: PIECE }) as AsyncIterable<Buffer>;
  }

  async remove(exchangeId: string, name: string): Promise<void> {
    await rm(await this.path(exchangeId, name), { force: true });
  }

  async clear(exchangeId: string): Promise<void> {
    await rm(await this.path(exchangeId), { recursive: true, force: true });
  }
}

/** Pictures (`import_files/…`) move to the catalog's files, where /catalog-files/ serves them. Returns how many. */
export async function keepPictures(db: Tx, pictures: AsyncIterable<{ name: string; data: Buffer }>, at: Date): Promise<number> {
  let n = 0;
  for await (const p of pictures) {
    await db.execute(
      sql`insert into catalog_files (path, data, updated_at) values (${p.name}, ${p.data}, ${iso(at)}::timestamptz) on conflict (path) do update set data = excluded.data, updated_at = excluded.updated_at`,
    );
    n++;
  }
  return n;
}

/** A picture kept from 1C, by its path (`import_files/…`), or null. */
export async function catalogFile(db: Tx, path: string): Promise<Uint8Array | null> {
  const [r] = await query<{ data: Uint8Array }>(db, sql`select data from catalog_files where path = ${path}`);
  return r ? r.data : null;
}
