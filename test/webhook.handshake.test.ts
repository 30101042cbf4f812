import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startHarness, VERIFY_TOKEN, type Harness } from './helpers/harness.ts';

describe('GET /webhook handshake', () => {
  const backend = backends()[0]!;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend });
  });
  afterAll(() => h.close());

  it('answers the challenge as text/plain when the verify token matches', async () => {
    const res = await h.app.request(`/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it.each([
    ['a wrong token', `hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`],
    ['no token', `hub.mode=subscribe&hub.challenge=1`],
    ['a wrong mode', `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`],
    ['no challenge', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`],
  ])('refuses %s with 403', async (_, qs) => {
    const res = await h.app.request(`/webhook?${qs}`);
    expect(res.status).toBe(403);
  });
});
