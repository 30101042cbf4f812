import { Unzip, UnzipInflate } from 'fflate';

/** A name 1C may use in its exchange folder: relative, no `..`, no drive or backslash tricks. */
export function safeName(name: string): string | null {
  const n = name.replace(/\\/g, '/').replace(/^\.\/+/, '');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a name with control characters is refused on purpose
  if (!n || n.length > 300 || n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').some((p) => p === '..' || p === '') || /[\u0000-\u001f]/.test(n))
    return null;
  return n;
}

export class UnzipError extends Error {
  name = 'UnzipError';
}

/**
 * Pieces of the archive pushed at a time: deflate expands at most ~1032×, so one push unpacks at
 * most ~16 MB however hostile the archive, and between pushes the event loop runs (a zip bomb
 * unpacking toward the limit must not keep /healthz, webhooks and turns waiting).
 */
const SLICE = 16 * 1024;
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Reads a zip archive as a stream of chunks (it is never whole in memory) and yields the bytes
 * of the entries `want` picks, in pieces, as they unpack; every entry is unpacked (and counted)
 * whether wanted or not. Returns the names of all entries. More than `limit` unpacked bytes in
 * all (a zip bomb), an entry with an unsafe name, a method other than stored or deflate, or an
 * archive cut short is an UnzipError. A consumer that stops early stops the reading.
 */
export async function* unzipEntries(
  chunks: AsyncIterable<Uint8Array>,
  limit: number,
  want: (name: string) => boolean,
): AsyncGenerator<{ name: string; data: Uint8Array; final: boolean }, string[]> {
  let total = 0;
  let failure: Error | null = null;
  const names: string[] = [];
  const open = new Set<string>();
  const out: Array<{ name: string; data: Uint8Array; final: boolean }> = [];
  const unzip = new Unzip((file) => {
    if (failure || file.name.endsWith('/')) return;
    const name = safeName(file.name);
    if (!name) {
      failure = new UnzipError(`the archive holds an unsafe name: ${JSON.stringify(file.name)}`);
      return;
    }
    names.push(name);
    open.add(name);
    const wanted = want(name);
    file.ondata = (err, data, final) => {
      if (failure) return;
      if (err) {
        failure = new UnzipError(`the archive cannot be read: ${err.message}`);
        return;
      }
      total += data.length;
      if (total > limit) {
        failure = new UnzipError(`the archive unpacks to more than ${limit} bytes`);
        return;
      }
      if (wanted && (data.length || final)) out.push({ name, data, final });
      if (final) open.delete(name);
    };
    try {
      file.start();
    } catch (err) {
      failure = new UnzipError(`the archive uses a compression Vitrina does not read (${file.compression}) for ${name}: ${(err as Error).message}`);
    }
  });
  unzip.register(UnzipInflate);
  const push = (data: Uint8Array, final: boolean) => {
    try {
      unzip.push(data, final);
    } catch (err) {
      failure ??= new UnzipError(`the archive cannot be read: ${(err as Error).message}`);
    }
  };
  let any = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += SLICE) {
      any = true;
      push(chunk.subarray(i, Math.min(chunk.length, i + SLICE)), false);
      if (failure) throw failure;
      yield* out.splice(0);
      await breathe();
    }
  }
  push(new Uint8Array(0), true);
  if (failure) throw failure;
  yield* out.splice(0);
  if (!any || names.length === 0) throw new UnzipError('the archive is empty or not a zip archive');
  if (open.size) throw new UnzipError(`the archive ends inside ${[...open].join(', ')}`);
  return names;
}

/** The names in an archive, every entry unpacked and counted against `limit` on the way (a bomb is refused here). */
export async function zipNames(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<string[]> {
  const it = unzipEntries(chunks, limit, () => false);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

/** One entry's bytes as a stream; the archive is read only as far as the entry's end. */
export async function* zipEntry(chunks: AsyncIterable<Uint8Array>, limit: number, name: string): AsyncGenerator<Buffer> {
  for await (const piece of unzipEntries(chunks, limit, (n) => n === name)) {
    if (piece.data.length) yield Buffer.from(piece.data.buffer, piece.data.byteOffset, piece.data.byteLength);
    if (piece.final) return;
  }
}
