import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';

const LOCK = 'vitrina.lock';
/** Folders this process holds: our own pid in a lock file is stale only when we do not hold it (a restarted container's pid 1). */
const held = new Set<string>();

/**
 * PGlite allows one process per data folder: two would each think they own the files. The
 * first process to open it writes its pid into `vitrina.lock` (created exclusively, so two
 * starting together cannot both win); a second one is refused with one line that says who holds
 * it. A lock whose process is gone — killed, or the machine restarted — is stale and taken
 * over; so is one with our own pid (a container restarted as pid 1). Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK);
  const key = resolve(dataDir);
  if (held.has(key))
    throw new ConfigError(`DATA_DIR ${key} is in use by process ${process.pid} (this one): the embedded database allows one opening per folder`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(key);
      return () => {
        held.delete(key);
        if (holder(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(file);
      if (pid !== null && pid !== process.pid && alive(pid))
        throw new ConfigError(
          `DATA_DIR ${resolve(dataDir)} is in use by process ${pid} (a running \`npm start\` or CLI command): the embedded database allows one process per folder — stop it, or use its admin API`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new ConfigError(`DATA_DIR ${resolve(dataDir)}: could not take ${LOCK}`);
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
