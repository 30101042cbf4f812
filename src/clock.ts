/** Time is injected everywhere so tests never wait on a timer. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A clock that only moves when told to. `sleep(ms)` moves it to at least now + ms at once, so
 * concurrent sleepers overlap as they would in real time instead of adding up.
 */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | number = Date.UTC(2026, 10, 21, 10, 0, 0)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  async sleep(ms: number): Promise<void> {
    const until = this.t + Math.max(0, ms);
    await Promise.resolve();
    this.t = Math.max(this.t, until);
  }
}
