import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';
import { signBody } from '../../src/webhook/signature.ts';
import { APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN } from './harness.ts';

export { freePort };

/** Service processes started and not stopped on purpose: a probe that finds one gone fails at once. */
const live = new Set<ServiceProcess>();

/**
 * Throws when a service process has exited without being told to, with how it ended and its
 * last output: a dead service is told from a slow one at the first probe, not at the timeout.
 */
export function assertServicesAlive(): void {
  for (const s of live) {
    const c = s.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) {
      live.delete(s);
      throw new Error(`service ${s.name} exited on its own (code ${c.exitCode}, signal ${c.signalCode}); its last output:\n${s.tail()}`);
    }
  }
}

/** The HTTP status a service answers (0: connection refused or cut); a refusal from a dead service fails at once. */
export async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
  const status = await fetch(url, { signal: AbortSignal.timeout(10_000), ...init }).then(
    (r) => r.status,
    () => 0,
  );
  if (status === 0) assertServicesAlive();
  return status;
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes; fails at once if a service died. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertServicesAlive();
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The real service (`src/main.ts`) as a child process on a fixed port, talking to the fake
 * Graph API like production talks to Meta. Restartable after a kill on the same port.
 */
export class ServiceProcess {
  readonly logs: string[] = [];
  child: ChildProcess | null = null;
  port = 0;

  constructor(private readonly opts: { env: Record<string, string>; graphUrl: string; name?: string }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get name(): string {
    return this.opts.name ?? 'service';
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: String(this.port),
        LOG_LEVEL: 'warn',
        WHATSAPP_TOKEN: 'fault-token',
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
        WHATSAPP_API_URL: this.opts.graphUrl,
        WHATSAPP_MAX_MPS: '1000',
        INBOX_LEASE_SECONDS: '3',
        OUTBOX_LEASE_SECONDS: '5',
        WORKER_POLL_MS: '100',
        BOT: 'echo',
        TURN_DEBOUNCE_MS: '0',
        WORKING_HOURS: '00:00-24:00',
        ...this.opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(this);
    child.stdout!.on('data', (d) => this.logs.push(String(d)));
    child.stderr!.on('data', (d) => this.logs.push(String(d)));
    await waitFor(
      `${this.opts.name ?? 'service'} to start`,
      async () => {
        if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${this.tail()}`);
        return fetch(`${this.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      30_000,
      () => this.tail(),
    );
    return this;
  }

  /** Sends the signal and resolves when the process is gone, with how it ended and how long it took. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; ms: number }> {
    const c = this.child;
    live.delete(this);
    if (!c || c.exitCode !== null || c.signalCode !== null) return { code: c?.exitCode ?? null, ms: 0 };
    const started = Date.now();
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill(signal);
    const code = await exited;
    return { code, ms: Date.now() - started };
  }

  /** JSON log lines this process printed. */
  logLines(): Array<Record<string, any>> {
    return this.logs
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  }

  tail(chars = 3000): string {
    return this.logs.join('').slice(-chars);
  }

  /** Lines the process-level alarm logged: each is a promise rejected with no handler, a bug. */
  unhandledRejections(): string[] {
    return this.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes('"origin":"unhandledRejection"'));
  }
}

/**
 * Posts like Meta: a webhook that does not get a 200 is delivered again (the delay compressed)
 * until it does, to whichever instance the "load balancer" picks.
 */
export class MetaDelivery {
  refused = 0;
  delivered = 0;
  /** Every answer by HTTP status (0: connection refused or cut). */
  readonly statuses: Record<number, number> = {};
  private turn = 0;

  constructor(private readonly opts: { targets: () => string[]; pauseMs?: number; paused?: () => Promise<unknown> | null }) {}

  async post(payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    for (;;) {
      const wait = this.opts.paused?.();
      if (wait) await wait;
      const targets = this.opts.targets();
      const target = targets[this.turn++ % targets.length]!;
      // Meta gives up on a webhook that takes too long and delivers it again later.
      const status = await statusOf(`${target}/webhook`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, APP_SECRET) },
      });
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
      if (status === 200) {
        this.delivered++;
        return;
      }
      this.refused++;
      await new Promise((r) => setTimeout(r, this.opts.pauseMs ?? 20));
    }
  }
}
