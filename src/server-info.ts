import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite allows one process per data directory. The embedded server leaves this file in
 * DATA_DIR so the CLI can tell it is running and go through its admin API instead.
 */
export interface ServerInfo {
  pid: number;
  port: number;
  adminToken: string;
}

const file = (dataDir: string) => join(dataDir, 'vitrina-server.json');

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  writeFileSync(file(dataDir), JSON.stringify(info), { mode: 0o600 });
}

export function removeServerInfo(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}

/** The running server that holds this data directory, if any. */
export function readLiveServer(dataDir: string): ServerInfo | null {
  try {
    const info = JSON.parse(readFileSync(file(dataDir), 'utf8')) as ServerInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}
