import { ReadableStream as WebStream } from 'node:stream/web';
import { Agent, type Dispatcher, interceptors, request } from 'undici';

/**
 * fetch's contract for the calls the service makes on every turn (Graph API sends and read
 * receipts, the model's chat completions), over undici's `request` on one keep-alive pool.
 * Node's global fetch builds a Request, a Headers, a transferable AbortSignal and a pair of
 * web streams per call: on the development VM that is ~0.7–1.0 ms of CPU per call against
 * ~0.3 ms here (bench/outbound-fetch.ts), and a model turn makes four calls.
 *
 * Same answers as fetch: redirects are followed (authorization dropped across origins, as
 * fetch does), the body streams (a media download still stops at its byte limit), an aborted
 * signal rejects with its reason (a `TimeoutError` for `AbortSignal.timeout`), a refused
 * connection rejects. What this does not speak (a Request object, a FormData, Blob or stream
 * body: uploads and transcriptions) goes to global fetch unchanged.
 */
export const outboundFetch: typeof fetch = (input, init) => {
  const body = init?.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (input instanceof Request || !plainBody) return fetch(input, init);
  return viaPool(String(input), init ?? {});
};

const pool = new Agent({ keepAliveTimeout: 30_000 }).compose(interceptors.redirect({ maxRedirections: 20 }));

/** Status codes whose Response must have a null body. */
const NO_BODY = new Set([204, 205, 304]);

async function viaPool(url: string, init: RequestInit): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod;
  const res = await request(url, {
    dispatcher: pool,
    method,
    headers: headerRecord(init.headers),
    body: init.body as string | Uint8Array | null | undefined,
    signal: init.signal ?? undefined,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  if (NO_BODY.has(res.statusCode) || method === 'HEAD') {
    res.body.resume();
    return new Response(null, { status: res.statusCode, headers });
  }
  // Pulled chunk by chunk, and a cancel ends the request. Not Readable.toWeb: on Node 20 it
  // enqueues data that arrives after a cancel into the closed stream and throws, uncaught.
  return new Response(WebStream.from<Uint8Array>(res.body) as unknown as ReadableStream<Uint8Array>, { status: res.statusCode, headers });
}

function headerRecord(h: HeadersInit | undefined): Record<string, string> | undefined {
  if (h === undefined) return undefined;
  if (h instanceof Headers || Array.isArray(h)) return Object.fromEntries(new Headers(h));
  return h as Record<string, string>;
}
