import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';

/**
 * Every storage test runs on both stacks. Postgres and Redis are required, never skipped:
 * TEST_DATABASE_URL / TEST_REDIS_URL, defaulting to the local services CI starts.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Backend {
  name: 'pglite+memory' | 'postgres+redis';
  /** Env for loadConfig; a fresh database per call on Postgres. */
  env(): Promise<Record<string, string>>;
  /** Drops what env() created. */
  cleanup(): Promise<void>;
}

export function backends(): Backend[] {
  return [{ name: 'pglite+memory', env: async () => ({ DATA_DIR: 'memory://' }), cleanup: async () => {} }, postgresBackend()];
}

function postgresBackend(): Backend {
  const created: string[] = [];
  return {
    name: 'postgres+redis',
    async env() {
      const name = `vt_${randomBytes(6).toString('hex')}`;
      const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      created.push(name);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${name}`;
      return { DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL, DATA_DIR: 'memory://', REDIS_PREFIX: `${name}:` };
    },
    async cleanup() {
      const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        for (const name of created.splice(0)) await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * The fake Graph API for a describe block: started before its tests, stopped after them,
 * together with the backend's databases.
 */
export function fakeGraphFor(backend: Backend, make: () => FakeGraphApi = () => new FakeGraphApi()): FakeGraphApi {
  const graph = make();
  beforeAll(async () => {
    await graph.start();
  });
  afterAll(async () => {
    await graph.stop();
    await backend.cleanup();
  });
  return graph;
}
