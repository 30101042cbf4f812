import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the fake chat-completions endpoint. */
export type Scripted =
  | { content: string; usage?: { prompt: number; completion: number } }
  | { toolCalls: Array<{ name: string; args: unknown }>; content?: string | null; usage?: { prompt: number; completion: number } }
  | { status: number; error: { message: string; type: string; code: string | null } }
  | { hang: true };

export type ScriptedTranscription =
  | { text: string; language: string; noSpeechProb?: number }
  | { status: number; error: { message: string; type: string; code: string | null } }
  | { hang: true };

export const RATE_LIMITED: Scripted = {
  status: 429,
  error: {
    message: 'Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
};
export const SERVER_ERROR: Scripted = {
  status: 500,
  error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
};

/**
 * A real HTTP server speaking OpenAI's chat-completions JSON (tool_calls, usage, errors),
 * scripted per test. The app talks to it through the real openai SDK via OPENAI_BASE_URL.
 * When the script runs out it answers with plain text "ok".
 */
export class FakeOpenAI {
  readonly requests: Array<Record<string, any>> = [];
  /** What /audio/transcriptions received, the audio file included. */
  readonly transcriptions: Array<{ model: string; responseFormat: string; filename: string; audio: Buffer }> = [];
  /** What /embeddings received: { model, input, dimensions, encoding_format }. */
  readonly embeddingRequests: Array<{ model: string; input: string | string[]; dimensions?: number; encoding_format?: string }> = [];
  private embeddingScript: Array<'ok' | { hang: true } | { status: number; error: { message: string; type: string; code: string | null } }> = [];
  private script: Scripted[] = [];
  private transcriptScript: ScriptedTranscription[] = [];
  private server: Server | null = null;
  private hanging: ServerResponse[] = [];
  private n = 0;
  private port = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.method === 'POST' && req.url?.endsWith('/audio/transcriptions')) {
        // multipart/form-data, parsed the way any server would
        const form = await new Request('http://fake/', {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }).formData();
        const file = form.get('file') as File;
        this.transcriptions.push({
          model: String(form.get('model')),
          responseFormat: String(form.get('response_format')),
          filename: file.name,
          audio: Buffer.from(await file.arrayBuffer()),
        });
        return this.transcribe(this.transcriptScript.shift() ?? { text: 'привет', language: 'russian' }, res);
      }
      if (req.method === 'POST' && req.url?.endsWith('/embeddings')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        this.embeddingRequests.push(body);
        return this.embeddings(body, this.embeddingScript.shift() ?? 'ok', res);
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      this.requests.push(body);
      this.answer(body, this.script.shift() ?? this.responder?.(body) ?? { content: 'ok' }, res);
    });
    // Started again after stop() (an outage), it comes back on the same port.
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private responder: ((body: Record<string, any>) => Scripted) | null = null;

  /** Answers computed from each request once the script runs out (a model that follows the tools it is given). */
  respondWith(fn: (body: Record<string, any>) => Scripted): void {
    this.responder = fn;
  }

  push(...answers: Scripted[]): void {
    this.script.push(...answers);
  }

  /** The next /embeddings answers: 'ok' (the deterministic vectors), an error, or a hang. */
  pushEmbeddings(...answers: FakeOpenAI['embeddingScript']): void {
    this.embeddingScript.push(...answers);
  }

  private embeddings(
    body: { model: string; input: string | string[]; dimensions?: number },
    s: FakeOpenAI['embeddingScript'][number],
    res: ServerResponse,
  ): void {
    if (s !== 'ok' && 'hang' in s) {
      this.hanging.push(res);
      return;
    }
    if (s !== 'ok') {
      res.writeHead(s.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { ...s.error, param: null } }));
      return;
    }
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, body.dimensions ?? 1536) }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: inputs.join(' ').length >> 2, total_tokens: inputs.join(' ').length >> 2 },
      }),
    );
  }

  pushTranscription(...answers: ScriptedTranscription[]): void {
    this.transcriptScript.push(...answers);
  }

  reset(): void {
    this.script = [];
    this.transcriptScript = [];
    this.requests.length = 0;
    this.transcriptions.length = 0;
    this.embeddingScript = [];
    this.embeddingRequests.length = 0;
  }

  private transcribe(s: ScriptedTranscription, res: ServerResponse): void {
    if ('hang' in s) {
      this.hanging.push(res);
      return;
    }
    if ('status' in s) {
      res.writeHead(s.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { ...s.error, param: null } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        task: 'transcribe',
        language: s.language,
        duration: 1.9,
        text: s.text,
        segments: [
          {
            id: 0,
            seek: 0,
            start: 0,
            end: 1.9,
            text: s.text,
            tokens: [],
            temperature: 0,
            avg_logprob: -0.3,
            compression_ratio: 1,
            no_speech_prob: s.noSpeechProb ?? 0.01,
          },
        ],
      }),
    );
  }

  private answer(body: Record<string, any>, s: Scripted, res: ServerResponse): void {
    if ('hang' in s) {
      this.hanging.push(res);
      return;
    }
    if ('status' in s) {
      res.writeHead(s.status, { 'content-type': 'application/json', 'x-request-id': `req_${++this.n}` });
      res.end(JSON.stringify({ error: { ...s.error, param: null } }));
      return;
    }
    const usage = s.usage ?? { prompt: 100, completion: 20 };
    const message =
      'toolCalls' in s
        ? {
            role: 'assistant',
            content: s.content ?? null,
            refusal: null,
            tool_calls: s.toolCalls.map((c) => ({
              id: `call_${++this.n}`,
              type: 'function',
              function: { name: c.name, arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) },
            })),
          }
        : { role: 'assistant', content: s.content, refusal: null };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${++this.n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: 'toolCalls' in s ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
        system_fingerprint: 'fp_fake',
      }),
    );
  }
}

/**
 * A deterministic stand-in for an embedding model: each word's character trigrams (with its
 * edges), hashed into `dimensions` signed buckets, unit length. Texts sharing words or word
 * parts are near («палатки» and «палатка», "tent" and "tents"); unrelated ones are not.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .match(/[\p{L}\p{N}]+/gu) ?? []) {
    const w = ` ${word} `;
    for (let i = 0; i + 3 <= w.length; i++) {
      let h = 2166136261;
      for (const c of w.slice(i, i + 3)) h = Math.imul(h ^ c.codePointAt(0)!, 16777619);
      v[(h >>> 1) % dimensions]! += h & 1 ? 1 : -1;
    }
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}
