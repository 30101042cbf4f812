import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { FakeOpenAI, SERVER_ERROR } from './fakes/openai.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { messagesWebhook, startHarness, type Harness, unixSeconds } from './helpers/harness.ts';

const voice = (name: string) => readFileSync(new URL(`./fixtures/voice/${name}`, import.meta.url));
const photo = readFileSync(new URL('./fixtures/images/red-armchair.jpg', import.meta.url));
const b64sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

/** 16 kHz mono 16-bit PCM WAV, and its length in seconds. */
function wavInfo(b: Buffer) {
  return {
    riff: b.toString('ascii', 0, 4),
    channels: b.readUInt16LE(22),
    rate: b.readUInt32LE(24),
    bits: b.readUInt16LE(34),
    seconds: (b.length - 44) / 32000,
  };
}

describe.each(backends())('voice notes and photos ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  const model = new FakeOpenAI();
  let h: Harness;
  beforeAll(() => model.start());
  afterEach(async () => {
    await h?.close();
    model.reset();
  });
  afterAll(() => model.stop());

  const start = (env: Record<string, string> = {}) =>
    startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url, ...env } });
  let n = 0;
  const sendAudio = async (from: string, bytes: Buffer, mime: string, opts: { sha256?: string } = {}) => {
    const id = `audio-${++n}`;
    graph.addMedia(id, bytes, mime);
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook(from, [
        { from, id: `wamid.voice.${n}`, timestamp: ts, type: 'audio', audio: { mime_type: mime, sha256: opts.sha256 ?? b64sha(bytes), id, voice: true } },
      ]),
    );
    await h.drain();
    return graph.sendsTo(from).map((s) => s.body);
  };

  it('"покажи красные кресла" as an OGG/Opus voice note → Whisper gets 16 kHz mono → a list of red armchairs', async () => {
    h = await start();
    model.pushTranscription({ text: 'покажи красные кресла', language: 'russian' });
    const replies = await sendAudio('77050000001', voice('voice-ru.ogg'), 'audio/ogg; codecs=opus');
    expect(model.transcriptions).toHaveLength(1);
    const t = model.transcriptions[0]!;
    expect(t).toMatchObject({ model: 'whisper-1', responseFormat: 'verbose_json' });
    expect(wavInfo(t.audio)).toMatchObject({ riff: 'RIFF', channels: 1, rate: 16000, bits: 16 });
    expect(wavInfo(t.audio).seconds).toBeGreaterThan(1);
    expect(replies[0]).toMatchObject({ type: 'text', text: { body: '🎤 покажи красные кресла' } });
    // the model is asked with the transcript as the shopper's words
    expect(model.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'покажи красные кресла' });
  });

  it('offline model: the transcript is searched by the rules → red armchairs', async () => {
    h = await start();
    model.pushTranscription({ text: 'покажи красные кресла', language: 'russian' });
    model.push(SERVER_ERROR);
    const replies = await sendAudio('77050000002', voice('voice-ru.ogg'), 'audio/ogg; codecs=opus');
    const list = replies.at(-1)!;
    expect(list.interactive.type).toBe('list');
    const ids = list.interactive.action.sections[0].rows.map((r: any) => r.id);
    const rows = await query<{ color: string; category: string }>(
      h.services.database.db,
      sql`select color, category from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toEqual({ color: 'красный', category: 'Кресла' });
  });

  it.each([
    ['voice-ru.m4a', 'audio/mp4'],
    ['voice-ru.amr', 'audio/amr'],
    ['voice-ru.mp3', 'audio/mpeg'],
  ])('forwarded %s is converted to 16 kHz mono too', async (file, mime) => {
    h = await start();
    model.pushTranscription({ text: 'стул', language: 'russian' });
    await sendAudio('77050000003', voice(file), mime);
    expect(wavInfo(model.transcriptions[0]!.audio)).toMatchObject({ channels: 1, rate: 16000 });
    expect(wavInfo(model.transcriptions[0]!.audio).seconds).toBeGreaterThan(1.5);
  });

  it('corrupt audio gets a polite message and never reaches Whisper', async () => {
    h = await start();
    const replies = await sendAudio('77050000004', voice('corrupt.ogg'), 'audio/ogg');
    expect(replies.map((r) => r.text.body)).toEqual(['Не получилось открыть голосовое сообщение. Попробуйте ещё раз или напишите текстом.']);
    expect(model.transcriptions).toHaveLength(0);
  });

  it('a note over the duration cap is refused politely', async () => {
    h = await start({ VOICE_MAX_SECONDS: '1' });
    const replies = await sendAudio('77050000005', voice('voice-ru.ogg'), 'audio/ogg');
    expect(replies.map((r) => r.text.body)).toEqual(['Голосовое слишком длинное — запишите покороче (до 0 мин) или напишите текстом.']);
    expect(model.transcriptions).toHaveLength(0);
  });

  it('a download larger than announced is cut off; a sha256 mismatch is refused', async () => {
    h = await start();
    const big = Buffer.alloc(16 * 1024 * 1024 + 10, 1);
    graph.addMedia('liar', big, 'audio/ogg', 1000);
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77050000006', [
        { from: '77050000006', id: 'wamid.voice.big', timestamp: ts, type: 'audio', audio: { mime_type: 'audio/ogg', id: 'liar', voice: true } },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo('77050000006').map((s) => s.body.text.body)).toEqual(['Файл слишком большой. Пришлите поменьше или напишите текстом.']);
    const replies = await sendAudio('77050000006', voice('voice-ru.ogg'), 'audio/ogg', { sha256: 'AAAA' });
    expect(replies.at(-1)!.text.body).toBe('Не получилось открыть голосовое сообщение. Попробуйте ещё раз или напишите текстом.');
  });

  it('an expired media URL is fetched again', async () => {
    h = await start();
    model.pushTranscription({ text: 'привет', language: 'russian' });
    graph.addMedia('exp', voice('voice-ru.ogg'), 'audio/ogg');
    graph.expireUrlOnce('exp');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77050000007', [
        { from: '77050000007', id: 'wamid.voice.exp', timestamp: ts, type: 'audio', audio: { mime_type: 'audio/ogg', id: 'exp', voice: true } },
      ]),
    );
    await h.drain();
    expect(model.transcriptions).toHaveLength(1);
    expect(graph.sendsTo('77050000007')[0]!.body.text.body).toBe('🎤 привет');
  });

  it.each([
    ['a Whisper 500', { status: 500, error: { message: 'The server had an error', type: 'server_error', code: null } }, {}],
    ['a Whisper timeout', { hang: true as const }, { OPENAI_TIMEOUT_MS: '300' }],
  ])('%s gets the offline answer, never silence', async (_, fault, env) => {
    h = await start(env);
    model.pushTranscription(fault);
    const replies = await sendAudio(`7705000008${'hang' in fault ? 1 : 0}`, voice('voice-ru.ogg'), 'audio/ogg');
    expect(replies.map((r) => r.text.body)).toEqual(['Сейчас я не могу прослушать голосовое — напишите, пожалуйста, текстом.']);
  });

  it('silence → "please repeat", in the shopper’s language', async () => {
    h = await start();
    model.pushTranscription({ text: '', language: 'russian', noSpeechProb: 0.97 });
    const replies = await sendAudio('77050000009', voice('silence.ogg'), 'audio/ogg');
    expect(replies.map((r) => r.text.body)).toEqual(['Не расслышал — повторите, пожалуйста, или напишите текстом.']);
  });

  it('a Kazakh voice note is answered in Kazakh', async () => {
    h = await start();
    model.pushTranscription({ text: 'маған қызыл кресло керек', language: 'kazakh' });
    model.push(SERVER_ERROR);
    const replies = await sendAudio('77050000010', voice('voice-ru.ogg'), 'audio/ogg');
    expect(replies.at(-1)!.interactive.body.text).toMatch(/^Міне, табылғандар/);
  });

  it('a photo: the vision request carries the image; look-alike products come back as a list', async () => {
    h = await start();
    model.push({ content: JSON.stringify({ is_product: true, category: 'Кресла', color: 'красный', style: null, material: 'велюр', keywords: ['кресло'] }) });
    graph.addMedia('img-1', photo, 'image/jpeg');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77050000011', [
        {
          from: '77050000011',
          id: 'wamid.img.1',
          timestamp: ts,
          type: 'image',
          image: { mime_type: 'image/jpeg', sha256: b64sha(photo), id: 'img-1', caption: 'хочу такое' },
        },
      ]),
    );
    await h.drain();
    const req = model.requests[0]!;
    const parts = req.messages[1].content;
    expect(parts[0]).toEqual({ type: 'text', text: 'Shopper’s caption: хочу такое' });
    expect(parts[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${photo.toString('base64')}` } });
    // structured output, strict, its enums the catalog's own values
    expect(req.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'photo', strict: true } });
    const props = req.response_format.json_schema.schema.properties;
    expect(props.category.enum).toEqual([...h.services.vocabulary.current().values('category'), null]);
    expect(props.color.enum).toContain('красный');
    expect(req.response_format.json_schema.schema.required).toEqual(['is_product', 'category', 'color', 'style', 'material', 'keywords']);
    expect(req.messages[0].content).toContain('Vitrina Home');
    const list = graph.sendsTo('77050000011').at(-1)!.body;
    expect(list.interactive.body.text).toBe('Похожие товары по вашему фото:');
    const ids = list.interactive.action.sections[0].rows.map((r: any) => r.id);
    const rows = await query<{ category: string }>(
      h.services.database.db,
      sql`select distinct category from products where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    expect(rows).toEqual([{ category: 'Кресла' }]);
  });

  it('a photo that is not a product gets a helpful answer', async () => {
    h = await start();
    model.push({ content: JSON.stringify({ is_product: false, category: null, color: null, style: null, material: null, keywords: [] }) });
    graph.addMedia('img-2', photo, 'image/jpeg');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77050000012', [
        { from: '77050000012', id: 'wamid.img.2', timestamp: ts, type: 'image', image: { mime_type: 'image/jpeg', id: 'img-2' } },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo('77050000012')[0]!.body.text.body).toBe('На фото не вижу товара. Пришлите фото товара или опишите, что ищете.');
  });

  it('without a model: a voice note asks for text; a photo’s caption is searched as words', async () => {
    h = await startHarness({ backend, graphUrl: graph.url, demo: true, env: { BOT: 'assistant' } });
    const replies = await sendAudio('77050000013', voice('voice-ru.ogg'), 'audio/ogg');
    expect(replies.map((r) => r.text.body)).toEqual(['Сейчас я не могу прослушать голосовое — напишите, пожалуйста, текстом.']);
    graph.addMedia('img-3', photo, 'image/jpeg');
    const ts = unixSeconds(h.clock.now());
    await h.post(
      messagesWebhook('77050000013', [
        { from: '77050000013', id: 'wamid.img.3', timestamp: ts, type: 'image', image: { mime_type: 'image/jpeg', id: 'img-3', caption: 'красное кресло' } },
      ]),
    );
    await h.drain();
    expect(graph.sendsTo('77050000013').at(-1)!.body.interactive.type).toBe('list');
  });
});
