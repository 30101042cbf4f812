import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundFetch } from '../src/outbound-fetch.ts';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A plain node:http server; each test routes by path. */
async function server(route: (req: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const s: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
    seen.push(r);
    route(r, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    },
  };
}

describe('the pooled outbound fetch answers as fetch does', () => {
  let api: Awaited<ReturnType<typeof server>>;
  let other: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    other = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    });
    api = await server((req, res) => {
      if (req.path === '/v23.0/1/messages') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.1' }] }));
      } else if (req.path === '/bad') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: '(#131009) Parameter value is not valid', code: 131009 } }));
      } else if (req.path === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (req.path === '/moved-here') {
        res.writeHead(302, { location: '/v23.0/1/messages' });
        res.end();
      } else if (req.path === '/moved-away') {
        res.writeHead(307, { location: `${other.url}/elsewhere` });
        res.end();
      } else if (req.path === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(16 * 1024, i));
        res.end();
      } else if (req.path === '/form') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: req.headers['content-type'], length: req.body.length }));
      }
      // '/hang' never answers
    });
  });
  afterAll(async () => {
    await api.close();
    await other.close();
  });

  it('sends the method, headers and JSON body, and reads status, headers and JSON back', async () => {
    const body = JSON.stringify({ messaging_product: 'whatsapp', to: '+77010000001', type: 'text', text: { body: 'Вот что нашлось' } });
    const res = await outboundFetch(`${api.url}/v23.0/1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.1' }] });
    const got = api.seen.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', path: '/v23.0/1/messages' });
    expect(got.headers.authorization).toBe('Bearer t');
    expect(got.body.toString('utf8')).toBe(body);
  });

  it('takes headers as a Headers object too', async () => {
    await outboundFetch(`${api.url}/v23.0/1/messages`, { method: 'POST', headers: new Headers({ authorization: 'Bearer h' }), body: '{}' });
    expect(api.seen.at(-1)!.headers.authorization).toBe('Bearer h');
  });

  it("hands an error's status and JSON body back, and a 204 with no body", async () => {
    const bad = await outboundFetch(`${api.url}/bad`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: '(#131009) Parameter value is not valid', code: 131009 } });
    const empty = await outboundFetch(`${api.url}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('follows a redirect, and drops the authorization when it leads to another origin', async () => {
    const same = await outboundFetch(`${api.url}/moved-here`, { headers: { authorization: 'Bearer t' } });
    expect(await same.json()).toMatchObject({ messages: [{ id: 'wamid.1' }] });
    expect(api.seen.at(-1)).toMatchObject({ path: '/v23.0/1/messages', headers: { authorization: 'Bearer t' } });
    const away = await outboundFetch(`${api.url}/moved-away`, { headers: { authorization: 'Bearer t' } });
    expect(await away.json()).toEqual({ authorization: null });
  });

  it('streams a large body as it arrives', async () => {
    const res = await outboundFetch(`${api.url}/big`);
    const reader = res.body!.getReader();
    let chunks = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.byteLength;
    }
    expect(bytes).toBe(64 * 16 * 1024);
    expect(chunks).toBeGreaterThan(1);
  });

  it('a body cancelled part-way ends the request (the media cap), and nothing throws after', async () => {
    const before = api.seen.length;
    for (let i = 0; i < 20; i++) {
      const res = await outboundFetch(`${api.url}/big`);
      if (i % 2) {
        await res.body!.cancel();
        continue;
      }
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
    }
    // a request after the cancels is answered on the pool as before
    const again = await outboundFetch(`${api.url}/v23.0/1/messages`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(200);
    expect(api.seen.length).toBe(before + 21);
  });

  it('rejects with the timeout signal as fetch does, and on a refused connection', async () => {
    const timedOut = await outboundFetch(`${api.url}/hang`, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    const refused = await outboundFetch('http://127.0.0.1:1/', {}).catch((e: Error & { code?: string }) => e);
    expect(refused).toBeInstanceOf(Error);
  });

  it('sends a FormData body as multipart (through global fetch)', async () => {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('file', new Blob([Buffer.from('OggS')], { type: 'audio/ogg' }), 'voice.ogg');
    const res = await outboundFetch(`${api.url}/form`, { method: 'POST', body: form });
    const got = (await res.json()) as { type: string; length: number };
    expect(got.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(got.length).toBeGreaterThan(0);
  });
});
