import { afterEach, describe, expect, it } from 'vitest';
import { shopperKvKeys } from '../src/kv/kv.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, textWebhook, type Harness, unixSeconds } from './helpers/harness.ts';

describe.each(backends())('the shopper’s language is kept in Postgres, not the cache ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('after the cache is lost (a Redis restart) a Kazakh shopper’s tap is still answered in Kazakh', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant' } });
    const from = '77060000950';
    await h.post(textWebhook({ from, body: 'маған жасыл кресло керек', at: h.clock.now() }));
    await h.drain();
    // everything the store held for the shopper is gone, as after a Redis restart
    await h.services.kv.del(shopperKvKeys(from, h.clock.now().getTime()));
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        {
          from,
          id: 'wamid.lang.tap',
          timestamp: ts,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'alert:ZT-0002', title: '🔔' } },
        },
      ]),
    );
    await h.drain();
    const answer = graph.sendsTo(from).at(-1)!.body.interactive;
    expect(answer.body.text).toMatch(/бағасы туралы қашан хабарлайын/);
    expect(answer.action.buttons[0].reply.title).toBe('Кез келген төмендеу');
  });
});
