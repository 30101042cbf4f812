import { afterEach, describe, expect, it } from 'vitest';
import type { TurnContext } from '../handlers/context.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, type Harness, unixSeconds } from './helpers/harness.ts';

const SHOPPERS = 30;
const PER_SHOPPER = 8;

/** Yields to the event loop a random number of times, so turns interleave differently each run. */
async function jitter(): Promise<void> {
  for (let i = Math.floor(Math.random() * 6); i > 0; i--) await new Promise((r) => setImmediate(r));
}

describe.each(backends())('per-shopper order under concurrency ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('each shopper’s messages are handled one at a time, in arrival order; shoppers run in parallel', async () => {
    const events: Array<{ shopper: string; n: number; phase: 'start' | 'end' }> = [];
    let running = 0;
    let maxRunning = 0;
    const runTurn = async (ctx: TurnContext) => {
      const n = Number(ctx.message.text);
      events.push({ shopper: ctx.shopper.key, n, phase: 'start' });
      maxRunning = Math.max(maxRunning, ++running);
      await jitter();
      ctx.replyText(`ok ${n}`);
      await jitter();
      running--;
      events.push({ shopper: ctx.shopper.key, n, phase: 'end' });
    };
    h = await startHarness({ backend, graphUrl: graph.url, env: { INBOX_CONCURRENCY: '8' }, build: { runTurn } });
    const shopper = (i: number) => `7703${String(i).padStart(7, '0')}`;
    const ts = unixSeconds(h.clock.now());
    // Interleaved arrival: round n carries message n of every shopper; some POSTs carry two.
    const posts: Array<Promise<Response>> = [];
    for (let n = 0; n < PER_SHOPPER; n += 2) {
      for (let s = 0; s < SHOPPERS; s++) {
        const msgs = [n, n + 1].map((k) => ({ from: shopper(s), id: `wamid.o.${s}.${k}`, timestamp: ts, type: 'text', text: { body: String(k) } }));
        posts.push(h.post(messagesWebhook(shopper(s), msgs)));
      }
      await Promise.all(posts.splice(0));
      // workers start while later messages are still arriving
      void h.services.inbox.pump.fill();
    }
    await h.drain();

    for (let s = 0; s < SHOPPERS; s++) {
      const mine = events.filter((e) => e.shopper === shopper(s));
      const expected = Array.from({ length: PER_SHOPPER }, (_, n) => [
        { shopper: shopper(s), n, phase: 'start' },
        { shopper: shopper(s), n, phase: 'end' },
      ]).flat();
      expect(mine).toEqual(expected);
      expect(graph.sendsTo(shopper(s)).map((x) => x.body.text.body)).toEqual(Array.from({ length: PER_SHOPPER }, (_, n) => `ok ${n}`));
    }
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(8);
  });
});
