import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { Store } from '../store/store.ts';

/**
 * Holds messages per second per business phone number across processes (a token bucket in
 * the store). If Redis is unreachable, the process falls back to its own bucket so replies
 * keep flowing; the limit then holds per process only.
 */
export class RateLimiter {
  private readonly local = new MemoryStore();

  constructor(private readonly opts: { store: Store; clock: Clock; mps: number; log: Logger }) {}

  async acquire(phoneNumberId: string): Promise<void> {
    const { store, clock, mps } = this.opts;
    for (;;) {
      let wait: number;
      try {
        wait = await store.takeToken(`mps:${phoneNumberId}`, mps, mps, clock.now().getTime());
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, 'rate-limit store unavailable; using the in-process bucket');
        wait = await this.local.takeToken(`mps:${phoneNumberId}`, mps, mps, clock.now().getTime());
      }
      if (wait === 0) return;
      await clock.sleep(wait);
    }
  }
}
