import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { MemoryKv } from '../kv/memory-kv.ts';
import { kvKeys, type Kv } from '../kv/kv.ts';

/**
 * Holds messages per second per business phone number across processes (a token bucket in
 * the store). If Redis is unreachable, the process falls back to its own bucket so replies
 * keep flowing; the limit then holds per process only.
 */
export class RateLimiter {
  private readonly local = new MemoryKv();
  private readonly burst: number;
  private readonly rate: number;

  constructor(private readonly opts: { kv: Kv; clock: Clock; mps: number; log: Logger }) {
    // A bucket of capacity C refilled at r/s grants at most C + r in any one-second window, so
    // C + r = mps keeps every window within Meta's limit while allowing a small burst.
    this.burst = Math.max(1, Math.ceil(opts.mps / 10));
    this.rate = Math.max(1, opts.mps - this.burst);
  }

  async acquire(phoneNumberId: string): Promise<void> {
    const { kv, clock } = this.opts;
    const bucket = kvKeys.sendRate(phoneNumberId);
    for (;;) {
      let wait: number;
      try {
        wait = await kv.takeToken(bucket, this.rate, this.burst, clock.now().getTime());
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, 'rate-limit store unavailable; using the in-process bucket');
        wait = await this.local.takeToken(bucket, this.rate, this.burst, clock.now().getTime());
      }
      if (wait === 0) return;
      await clock.sleep(wait);
    }
  }
}
