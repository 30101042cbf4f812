import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../src/jobs/jobs.ts';
import { FakeOpenAI, SERVER_ERROR } from './fakes/openai.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

/** The value of one series in Prometheus text format, or null when it is absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | null {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return null;
}

describe.each(backends())('operations: metrics, readiness and logs ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  const model = new FakeOpenAI();
  let h: Harness;
  beforeAll(async () => void (await model.start()));
  afterAll(() => model.stop());
  afterEach(async () => {
    model.reset();
    await h?.close();
  });

  const start = (opts: { log?: pino.Logger } = {}) =>
    startHarness({
      backend,
      graphUrl: graph.url,
      demo: true,
      env: { BOT: 'assistant', OPENAI_API_KEY: 'sk-test-secret', OPENAI_BASE_URL: model.url },
      build: opts.log ? { log: opts.log } : undefined,
    });
  const metrics = async () => (await h.app.request('/metrics')).text();

  it('/metrics: queue depth and age, turns, model calls and tokens, outbound, job runs', async () => {
    h = await start();
    model.push({ content: 'Подберу диван.', usage: { prompt: 120, completion: 30 } }, SERVER_ERROR);
    await h.post(textWebhook({ from: '77010000701', body: 'привет', at: h.clock.now() }));
    await h.post(textWebhook({ from: '77010000702', body: 'диван', at: h.clock.now() }));
    h.clock.advance(5000);
    let m = await metrics();
    expect(series(m, 'vitrina_inbox_depth')).toBe(2);
    expect(series(m, 'vitrina_inbox_oldest_age_seconds')).toBe(5);
    expect(series(m, 'vitrina_webhook_requests_total', { status: '200' })).toBe(2);

    await h.drain();
    m = await metrics();
    expect(series(m, 'vitrina_inbox_depth')).toBe(0);
    expect(series(m, 'vitrina_outbox_depth')).toBe(0);
    expect(series(m, 'vitrina_turns_total', { outcome: 'ok' })).toBe(2);
    expect(series(m, 'vitrina_model_calls_total', { endpoint: 'chat/completions', outcome: 'ok' })).toBe(1);
    expect(series(m, 'vitrina_model_calls_total', { endpoint: 'chat/completions', outcome: 'http_500' })).toBe(1);
    expect(series(m, 'vitrina_model_tokens_total', { endpoint: 'chat/completions', kind: 'prompt' })).toBe(120);
    expect(series(m, 'vitrina_model_tokens_total', { endpoint: 'chat/completions', kind: 'completion' })).toBe(30);
    expect(series(m, 'vitrina_model_seconds_count', { endpoint: 'chat/completions' })).toBe(2);
    expect(series(m, 'vitrina_outbound_total', { status: 'accepted', code: '' })).toBeGreaterThanOrEqual(2);

    await runJob(h.services, 'new-arrivals');
    m = await metrics();
    expect(series(m, 'vitrina_job_runs_total', { job: 'new-arrivals', outcome: 'ran' })).toBe(1);
  });

  it('/readyz names each dependency; draining answers 503 to readiness and to webhooks', async () => {
    h = await start();
    let r = await h.app.request('/readyz');
    const body = (await r.json()) as { ok: boolean; checks: Record<string, string> };
    expect(r.status).toBe(200);
    expect(body.checks).toMatchObject({ database: 'ok', store: 'ok', whatsapp: 'graph', model: 'openai: reachable' });
    expect(body.checks.templates).toMatch(/^\d+ loaded$/);

    h.services.health.draining = true;
    r = await h.app.request('/readyz');
    expect(r.status).toBe(503);
    expect(((await r.json()) as { checks: Record<string, string> }).checks.shutdown).toBe('draining');
    const refused = await h.post(textWebhook({ from: '77010000703', body: 'эй', at: h.clock.now() }));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect((await h.app.request('/healthz')).status).toBe(200);
  });

  it('/readyz: an unreachable model leaves the instance ready, answering with the offline rules', async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant', OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    const r = await h.app.request('/readyz');
    expect(r.status).toBe(200);
    expect(((await r.json()) as { checks: Record<string, string> }).checks.model).toMatch(/^openai: unreachable .*offline rules$/);
  });

  it('info logs carry request and message ids and masked phones, never bodies, full phones or tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    h = await start({ log: pino({ level: 'info' }, sink) });
    model.push(SERVER_ERROR);
    const wamid = 'wamid.logs.1';
    await h.post(textWebhook({ from: '77019876543', body: 'мой секретный вопрос про диван', wamid, at: h.clock.now() }));
    const bad = await h.post('{"not": "signed"}', { 'x-hub-signature-256': 'sha256=00', 'x-request-id': 'req-abc' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('x-request-id')).toBe('req-abc');
    await h.drain();

    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.msg === 'message answered')).toMatchObject({ wamid, shopper: '7701***6543', level: 30 });
    expect(logs.find((l) => l.msg === 'model failed; offline answer')).toMatchObject({ wamid, shopper: '7701***6543' });
    expect(logs.find((l) => l.msg === 'request refused')).toMatchObject({ requestId: 'req-abc', code: 'unauthorized' });
    const all = lines.join('\n');
    expect(all).not.toContain('77019876543');
    expect(all).not.toContain('секретный');
    expect(all).not.toContain('sk-test-secret');
    expect(all).not.toContain('test-token');
  });
});
