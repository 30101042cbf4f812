/**
 * Group commit: concurrent callers (webhook requests, finished turns) hand their items in, and one
 * statement stores the items of many requests. Each request still waits for the commit that
 * holds its items before it answers 200, so nothing is acknowledged before it is durable.
 * At most `maxInFlight` flushes run at once; arrivals meanwhile form the next batch.
 */
export class Batcher<T, R> {
  private queue: Array<{ items: T[]; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly opts: {
      /** Stores all items; returns one result per waiting caller, in the order given. */
      flush: (groups: T[][]) => Promise<R[]>;
      maxInFlight: number;
      maxItems: number;
    },
  ) {}

  /** True while anything is waiting or being written. */
  get busy(): boolean {
    return this.queue.length > 0 || this.inFlight > 0;
  }

  add(items: T[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the requests parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.opts.maxInFlight || this.queue.length === 0) return;
    let count = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || count + this.queue[take]!.items.length <= this.opts.maxItems)) {
      count += this.queue[take]!.items.length;
      take++;
    }
    const batch = this.queue.splice(0, take);
    this.inFlight++;
    try {
      const results = await this.opts.flush(batch.map((b) => b.items));
      for (const [i, b] of batch.entries()) b.resolve(results[i]!);
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
