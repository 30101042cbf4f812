import { afterAll, beforeAll } from 'vitest';
import { FakeGraphApi } from '../fakes/graph-api.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { backends } from './backends.ts';
import { APP_SECRET } from './harness.ts';
import { PostgresServer } from './postgres-server.ts';
import { RedisServer } from './redis-server.ts';
import { ServiceProcess } from './service-process.ts';

export interface FaultStack {
  graph: FakeGraphApi;
  redis: RedisServer;
  /** Present with `model: true`; the services get OPENAI_API_KEY and OPENAI_BASE_URL for it. */
  model: FakeOpenAI | null;
  /** Present with `postgres: 'private'`: a cluster of the scenario's own, to restart. */
  pg: PostgresServer | null;
  databaseUrl: string;
  /** The service processes, started in order; Graph's status webhooks go to the first. */
  services: ServiceProcess[];
}

/**
 * What every fault scenario stands on, set up before its tests and torn down after: the fake
 * Graph API, a private redis-server, a database (a fresh one on the shared Postgres, or a
 * private cluster), optionally the fake model, and `instances` real service processes.
 */
export function faultStack(opts: { env?: Record<string, string>; model?: boolean; postgres?: 'shared' | 'private'; instances?: number } = {}): FaultStack {
  const backend = backends()[1]!;
  const stack: FaultStack = {
    graph: new FakeGraphApi(),
    redis: new RedisServer(),
    model: opts.model ? new FakeOpenAI() : null,
    pg: opts.postgres === 'private' ? new PostgresServer() : null,
    databaseUrl: '',
    services: [],
  };

  beforeAll(async () => {
    await stack.graph.start();
    await stack.redis.start();
    await stack.model?.start();
    if (stack.pg) {
      await stack.pg.init();
      stack.pg.start();
      stack.databaseUrl = stack.pg.url;
    } else {
      stack.databaseUrl = (await backend.env()).DATABASE_URL!;
    }
    const env = {
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redis.url,
      ...(stack.model ? { OPENAI_API_KEY: 'sk-fault', OPENAI_BASE_URL: stack.model.url } : {}),
      ...opts.env,
    };
    for (let i = 0; i < (opts.instances ?? 1); i++) {
      stack.services.push(await new ServiceProcess({ graphUrl: stack.graph.url, env, name: String.fromCharCode(65 + i) }).start());
    }
    stack.graph.webhook = { url: `${stack.services[0]!.url}/webhook`, appSecret: APP_SECRET };
  });

  // Servers first, each step on its own: a step that fails must not leave a cluster running.
  // A rejection the process-level alarm caught fails the scenario even though the process lived.
  afterAll(async () => {
    const alarms = stack.services.flatMap((s) => s.unhandledRejections().map((l) => `${s.name}: ${l}`));
    const steps: Array<() => unknown> = [
      ...stack.services.map((s) => () => s.kill()),
      () => stack.pg?.destroy(),
      () => stack.redis.stop(),
      () => stack.graph.stop(),
      () => stack.model?.stop(),
      () => backend.cleanup(),
    ];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch((err) => console.error('fault stack teardown:', err));
    if (alarms.length) throw new Error(`unhandled promise rejections during the scenario:\n${alarms.join('\n')}`);
  });

  return stack;
}
