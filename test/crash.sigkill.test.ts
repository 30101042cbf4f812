import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../src/webhook/signature.ts';
import { FakeGraphApi } from './fakes/graph-api.ts';
import { backends } from './helpers/backends.ts';
import { APP_SECRET, PHONE_NUMBER_ID, textWebhook, VERIFY_TOKEN } from './helpers/harness.ts';

const SHOPPERS = 200;
const PER_SHOPPER = 10;
const PARALLEL_SHOPPERS = 50;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The real service process on Postgres + Redis, killed with SIGKILL twice while 2,000 messages
 * from 200 shoppers arrive. Like Meta, the test re-sends every POST that did not get a 200.
 * Every message must be answered exactly once and each shopper's answers must keep order.
 */
describe('crash: SIGKILL twice during a burst', () => {
  const backend = backends()[1]!;
  let graph: FakeGraphApi;
  let env: Record<string, string>;
  let child: ChildProcess | null = null;
  let port = 0;
  const logs: string[] = [];

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    env = await backend.env();
    port = await freePort();
    graph.webhook = { url: `http://127.0.0.1:${port}/webhook`, appSecret: APP_SECRET };
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await graph.stop();
    await backend.cleanup();
  });

  async function startService(): Promise<void> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        WHATSAPP_TOKEN: 'crash-token',
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
        WHATSAPP_API_URL: graph.url,
        WHATSAPP_MAX_MPS: '1000',
        INBOX_LEASE_SECONDS: '2',
        OUTBOX_LEASE_SECONDS: '5',
        WORKER_POLL_MS: '100',
        BOT: 'echo',
        TURN_DEBOUNCE_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => logs.push(String(d)));
    child.stderr!.on('data', (d) => logs.push(String(d)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`service did not start:\n${logs.join('')}`);
  }

  async function kill(): Promise<void> {
    const c = child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  it('answers each of 2,000 messages exactly once, in order per shopper', async () => {
    await startService();
    let acked = 0;
    let nonOk = 0;
    const killsAt = [500, 1300];
    let restarting: Promise<void> | null = null;

    const postUntil200 = async (body: string) => {
      for (;;) {
        if (restarting) await restarting;
        const status = await fetch(`http://127.0.0.1:${port}/webhook`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, APP_SECRET) },
        }).then((r) => r.status, () => 0);
        if (status === 200) return;
        nonOk++;
        await new Promise((r) => setTimeout(r, 20)); // Meta's redelivery, compressed
      }
    };

    const shopper = (i: number) => `7704${String(i).padStart(7, '0')}`;
    let next = 0;
    const runShopper = async (i: number) => {
      for (let k = 0; k < PER_SHOPPER; k++) {
        await postUntil200(JSON.stringify(textWebhook({ from: shopper(i), body: `s${i}-m${k}`, wamid: `wamid.crash.${i}.${k}` })));
        acked++;
        if (killsAt.length && acked >= killsAt[0]! && !restarting) {
          killsAt.shift();
          restarting = kill().then(startService).finally(() => (restarting = null));
        }
      }
    };
    await Promise.all(
      Array.from({ length: PARALLEL_SHOPPERS }, async () => {
        while (next < SHOPPERS) await runShopper(next++);
      }),
    );
    if (restarting) await restarting;
    expect(killsAt).toEqual([]);

    // Wait for the service to finish: nothing open in the inbox or outbox, every status delivered.
    const sql = postgres(env.DATABASE_URL!, { max: 1 });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const [open] = await sql`select
        (select count(*) from inbox where status in ('pending', 'processing'))::int as inbox,
        (select count(*) from outbox where status in ('pending', 'sending'))::int as outbox`;
      if (open!.inbox === 0 && open!.outbox === 0 && graph.pendingWebhooks === 0 && graph.sends.length >= SHOPPERS * PER_SHOPPER) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(open)} sends=${graph.sends.length}\n${logs.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [counts] = await sql`select count(*)::int as n, count(*) filter (where status = 'done')::int as done from inbox`;
    await sql.end();

    const sent = graph.sends.map((s) => ({ to: s.body.to as string, body: s.body.text?.body as string }));
    const duplicates = sent.length - new Set(sent.map((s) => s.body)).size;
    console.log(
      `crash test: ${SHOPPERS * PER_SHOPPER} messages sent by ${SHOPPERS} shoppers, ${nonOk} POSTs refused or cut by the kills and re-sent; ` +
        `${counts!.n} stored, ${counts!.done} handled; ${sent.length} replies to Graph, ${duplicates} duplicates`,
    );
    expect(counts).toEqual({ n: 2000, done: 2000 });
    expect(duplicates).toBe(0);
    expect(sent).toHaveLength(SHOPPERS * PER_SHOPPER);
    for (let i = 0; i < SHOPPERS; i++) {
      const mine = sent.filter((s) => s.to === `+${shopper(i)}`).map((s) => s.body);
      expect(mine).toEqual(Array.from({ length: PER_SHOPPER }, (_, k) => `Эхо: s${i}-m${k}`));
    }
  });
});
