import { Unzip, UnzipInflate } from 'fflate';

/** A name 1C may use in its exchange folder: relative, no `..`, no drive or backslash tricks. */
export function safeName(name: string): string | null {
  const n = name.replace(/\\/g, '/').replace(/^\.\/+/, '');
  if (!n || n.length > 300 || n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').some((p) => p === '..' || p === '') || /[\u0000-\u001f]/.test(n)) return null;
  return n;
}

export class UnzipError extends Error {
  name = 'UnzipError';
}

/** Pieces of the archive pushed at a time: deflate expands at most ~1032×, so one push yields at most ~66 MB however hostile the archive. */
const SLICE = 64 * 1024;
/** Unpacked data is written out in pieces of about this size. */
const PIECE = 256 * 1024;

/**
 * Unpacks a zip archive read as a stream of chunks (it is never whole in memory), handing each
 * entry's bytes to `write` in pieces. More than `limit` unpacked bytes in all (a zip bomb), an
 * entry with an unsafe name, a method other than stored or deflate, or an archive cut short
 * is an UnzipError; what was written before stays for the caller to discard.
 */
export async function unzipStream(chunks: AsyncIterable<Uint8Array>, limit: number, write: (name: string, data: Uint8Array) => Promise<void>): Promise<{ files: string[]; bytes: number }> {
  let total = 0;
  let failure: Error | null = null;
  const files: string[] = [];
  const queue: Array<{ name: string; data: Uint8Array }> = [];
  const open = new Set<string>();
  const buffers = new Map<string, Uint8Array[]>();
  const sizes = new Map<string, number>();
  const take = (name: string) => {
    const parts = buffers.get(name) ?? [];
    if (parts.length) queue.push({ name, data: Buffer.concat(parts) });
    buffers.set(name, []);
    sizes.set(name, 0);
  };
  const unzip = new Unzip((file) => {
    if (failure) return;
    if (file.name.endsWith('/')) return;
    const name = safeName(file.name);
    if (!name) {
      failure = new UnzipError(`the archive holds an unsafe name: ${JSON.stringify(file.name)}`);
      return;
    }
    files.push(name);
    open.add(name);
    buffers.set(name, []);
    sizes.set(name, 0);
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
      if (data.length) {
        buffers.get(name)!.push(data);
        sizes.set(name, sizes.get(name)! + data.length);
        if (sizes.get(name)! >= PIECE) take(name);
      }
      if (final) {
        take(name);
        open.delete(name);
      }
    };
    try {
      file.start();
    } catch (err) {
      failure = new UnzipError(`the archive uses a compression Vitrina does not read (${file.compression}) for ${name}: ${(err as Error).message}`);
    }
  });
  unzip.register(UnzipInflate);
  const drain = async () => {
    for (const item of queue.splice(0)) await write(item.name, item.data);
  };
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
      await drain();
    }
  }
  push(new Uint8Array(0), true);
  if (failure) throw failure;
  await drain();
  if (!any || files.length === 0) throw new UnzipError('the archive is empty or not a zip archive');
  if (open.size) throw new UnzipError(`the archive ends inside ${[...open].join(', ')}`);
  return { files, bytes: total };
}
