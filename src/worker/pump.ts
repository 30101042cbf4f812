import { BackgroundFailures } from '../background.ts';
import type { Logger } from '../log.ts';

export interface PumpOptions<T> {
  name: string;
  concurrency: number;
  /** Claims up to n items; must be safe to call from many processes at once. */
  claim(n: number): Promise<T[]>;
  process(item: T): Promise<void>;
  pollMs: number;
  log: Logger;
  /**
   * When true, the pump does not claim and checks again shortly. PGlite runs one query at a
   * time, so workers step aside while webhooks are being stored: Meta gets its 200 first.
   */
  yieldTo?: () => boolean;
}

/**
 * Keeps up to `concurrency` items in flight: a finished item makes room for the next claim
 * at once, so one slow item (a voice note) does not hold back the others. `notify` wakes an
 * idle pump; otherwise it polls (other processes may have enqueued work).
 */
export class Pump<T> {
  private inFlight = new Set<Promise<void>>();
  private running = false;
  private claiming: Promise<number> | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly failures: BackgroundFailures;

  constructor(private readonly opts: PumpOptions<T>) {
    this.failures = new BackgroundFailures(opts.log);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  notify(): void {
    this.wake?.();
  }

  /**
   * Stops claiming and waits for items in flight to finish, for at most `graceMs` when given.
   * Resolves true when nothing is left in flight.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<boolean> {
    this.running = false;
    this.notify();
    await this.loop;
    const settled = Promise.allSettled([...this.inFlight]).then(() => true);
    if (opts.graceMs === undefined) return settled;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), opts.graceMs)));
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private lastClaimFull = false;

  /** Claims once to fill free slots; resolves with how many items it started. */
  fill(): Promise<number> {
    if (this.claiming) return this.claiming;
    this.claiming = (async () => {
      const free = this.opts.concurrency - this.inFlight.size;
      if (free <= 0) return 0;
      const items = await this.opts.claim(free);
      this.lastClaimFull = items.length === free;
      for (const item of items) {
        const p: Promise<void> = this.opts
          .process(item)
          .catch((err) => this.opts.log.error({ err, pump: this.opts.name }, 'pump item failed'))
          .finally(() => {
            this.inFlight.delete(p);
            this.notify();
          });
        this.inFlight.add(p);
      }
      return items.length;
    })().finally(() => {
      this.claiming = null;
    });
    return this.claiming;
  }

  /** Runs until nothing is claimable and nothing is in flight (tests and CLI jobs); returns items handled. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const started = await this.fill();
      total += started;
      if (started === 0 && this.inFlight.size === 0) return total;
      if (started === 0) await Promise.race(this.inFlight);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let started = 0;
      if (this.opts.yieldTo?.()) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.opts.pollMs, 20)));
        continue;
      }
      started = (await this.failures.tick(`${this.opts.name} claim`, () => this.fill(), { pump: this.opts.name })) ?? 0;
      if (!this.running) break;
      // Claim again at once only if the last claim filled every free slot (more may be
      // waiting); otherwise wait for a finished item, new work (notify) or the poll.
      if (started > 0 && this.lastClaimFull && this.inFlight.size < this.opts.concurrency) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.opts.pollMs);
      });
      if (this.timer) clearTimeout(this.timer);
      this.wake = null;
    }
  }
}
