import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { signBody } from '../src/webhook/signature.ts';
import { MAX_WEBHOOK_BYTES } from '../src/webhook/routes.ts';
import { backends } from './helpers/backends.ts';
import { APP_SECRET, startHarness, textWebhook, VERIFY_TOKEN, type Harness } from './helpers/harness.ts';

const count = async (h: Harness) => Number((await query<{ n: number }>(h.services.database.db, sql`select count(*)::int as n from inbox`))[0]!.n);

describe.each(backends())('POST /webhook refuses bad input and stores nothing ($name)', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend });
  });
  afterAll(async () => {
    await h.close();
    await backend.cleanup();
  });

  const raw = JSON.stringify(textWebhook({ from: '77010000001', body: 'привет', wamid: 'wamid.sig.1' }));
  const post = (body: string, headers: Record<string, string>) =>
    h.app.request('/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('401 without a signature', async () => {
    const res = await post(raw, {});
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
    expect(await count(h)).toBe(0);
  });

  it('401 with a signature made with the verify token instead of the app secret', async () => {
    const res = await post(raw, { 'x-hub-signature-256': signBody(raw, VERIFY_TOKEN) });
    expect(res.status).toBe(401);
    expect(await count(h)).toBe(0);
  });

  it('401 when the body was re-serialized after signing', async () => {
    const sig = signBody(raw, APP_SECRET);
    const res = await post(JSON.stringify(JSON.parse(raw), null, 2), { 'x-hub-signature-256': sig });
    expect(res.status).toBe(401);
  });

  it('401 for a malformed header', async () => {
    for (const header of ['sha256=', 'sha1=abc', 'garbage', signBody(raw, APP_SECRET).slice(0, 20)]) {
      expect((await post(raw, { 'x-hub-signature-256': header })).status).toBe(401);
    }
    expect(await count(h)).toBe(0);
  });

  it('400 for signed bytes that are not JSON', async () => {
    const body = '{"object":"whatsapp_business_account","entry":[';
    const res = await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'bad_request', message: 'body is not valid JSON' });
  });

  it('400 for signed JSON that is not a webhook envelope', async () => {
    for (const body of ['[]', '"x"', '{"entry":"nope"}', 'null']) {
      expect((await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) })).status).toBe(400);
    }
    expect(await count(h)).toBe(0);
  });

  it('413 for a body over 3 MB, before any parsing', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(MAX_WEBHOOK_BYTES) });
    const res = await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });

  it('200 and stored with a valid signature (uppercase hex accepted)', async () => {
    const sig = 'sha256=' + signBody(raw, APP_SECRET).slice(7).toUpperCase();
    const res = await post(raw, { 'x-hub-signature-256': sig });
    expect(res.status).toBe(200);
    expect(await count(h)).toBe(1);
  });

  it('200 for a signed but unknown field, recorded as an event', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value: { event: 'X' } }] }] });
    const res = await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(200);
    const rows = await query<{ kind: string; field: string }>(h.services.database.db, sql`select kind, field from webhook_events`);
    expect(rows).toEqual([{ kind: 'unknown_field', field: 'account_update' }]);
  });

  it('200 for a message dated after the year 9999: recorded as rejected, not a 5xx (found by the fuzzer)', async () => {
    const payload = textWebhook({ from: '77010000098', body: 'ok', wamid: 'wamid.year-10000' });
    (payload.entry[0]!.changes[0]!.value.messages[0] as Record<string, unknown>).timestamp = 253402300800;
    const body = JSON.stringify(payload);
    const res = await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(200);
    const events = await query<{ detail: string }>(
      h.services.database.db,
      sql`select detail from webhook_events where kind = 'rejected' and detail like '%10000%'`,
    );
    expect(events).toHaveLength(1);
  });

  it('200 for a null message beside a good one: the good one is stored, the null recorded (found by the fuzzer)', async () => {
    const payload = textWebhook({ from: '77010000099', body: 'ok', wamid: 'wamid.beside-null' });
    (payload.entry[0]!.changes[0]!.value.messages as unknown[]).push(null);
    const body = JSON.stringify(payload);
    const res = await post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(200);
    const events = await query<{ kind: string; raw: unknown }>(h.services.database.db, sql`select kind, raw from webhook_events where kind = 'rejected'`);
    expect(events).toContainEqual({ kind: 'rejected', raw: { value: null } });
    const inbox = await query<{ wamid: string }>(h.services.database.db, sql`select wamid from inbox where wamid = 'wamid.beside-null'`);
    expect(inbox).toEqual([{ wamid: 'wamid.beside-null' }]);
  });
});
