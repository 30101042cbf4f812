import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppClient } from '../src/whatsapp/client.ts';
import { FakeGraphApi } from './fakes/graph-api.ts';

describe('media lookup and authenticated download', () => {
  let graph: FakeGraphApi;
  let client: WhatsAppClient;
  beforeAll(async () => {
    graph = await new FakeGraphApi({ token: 'media-token' }).start();
    client = new WhatsAppClient({ baseUrl: graph.url, version: 'v23.0', token: 'media-token' });
  });
  afterAll(() => graph.stop());

  const bytes = Buffer.from('OggS fake voice note bytes');
  const dir = mkdtempSync(join(tmpdir(), 'vt-media-'));
  const to = (name: string) => join(dir, name);

  it('looks the id up, then downloads with the bearer token', async () => {
    graph.addMedia('m1', bytes, 'audio/ogg');
    const r = await client.downloadMedia('m1', { maxBytes: 1024, to: to('m1') });
    expect(readFileSync(to('m1')).equals(bytes)).toBe(true);
    const sha = createHash('sha256').update(bytes);
    expect(r.info).toMatchObject({ id: 'm1', mimeType: 'audio/ogg', fileSize: bytes.length, sha256: sha.copy().digest('hex') });
    expect(r).toMatchObject({ bytes: bytes.length, sha256: sha.copy().digest('hex'), sha256Base64: sha.digest('base64') });
    const download = graph.requests.filter((r) => r.path === '/download/m1');
    expect(download.map((r) => r.authorization)).toEqual(['Bearer media-token']);
  });

  it('an expired URL (404) is looked up once more and retried', async () => {
    graph.addMedia('m2', bytes, 'audio/ogg');
    graph.expireUrlOnce('m2');
    await client.downloadMedia('m2', { maxBytes: 1024, to: to('m2') });
    expect(readFileSync(to('m2')).equals(bytes)).toBe(true);
    expect(graph.requests.filter((r) => r.path === '/v23.0/m2')).toHaveLength(2);
  });

  it('a body larger than announced is cut off at the cap', async () => {
    graph.addMedia('m3', Buffer.alloc(200_000, 1), 'image/jpeg', 1000);
    await expect(client.downloadMedia('m3', { maxBytes: 100_000, to: to('m3') })).rejects.toMatchObject({
      name: 'MediaError',
      problem: 'too_large',
      message: expect.stringContaining('exceeded 100000 bytes'),
    });
    expect(existsSync(to('m3'))).toBe(false);
  });

  it('an announced size over the cap is refused before downloading', async () => {
    graph.addMedia('m4', Buffer.alloc(10), 'image/jpeg', 6_000_000);
    await expect(client.downloadMedia('m4', { maxBytes: 5 * 1024 * 1024, to: to('m4') })).rejects.toMatchObject({
      name: 'MediaError',
      problem: 'too_large',
      message: expect.stringContaining('over the 5242880 limit'),
    });
    expect(graph.requests.filter((r) => r.path === '/download/m4')).toHaveLength(0);
  });

  it('an unknown media id is a WhatsAppApiError with Meta’s code', async () => {
    await expect(client.getMedia('nope')).rejects.toMatchObject({ name: 'WhatsAppApiError', metaCode: 100, retryable: false });
  });

  it('a wrong token is refused by Graph with code 190', async () => {
    const bad = new WhatsAppClient({ baseUrl: graph.url, version: 'v23.0', token: 'wrong' });
    await expect(bad.getMedia('m1')).rejects.toMatchObject({ metaCode: 190, status: 401 });
  });
});
