import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { MediaError, WhatsAppApiError } from '../errors.ts';
import { outboundFetch } from '../outbound-fetch.ts';
import { envelope, type OutboundMessage, type Recipient } from './messages.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface MediaInfo {
  id: string;
  url: string;
  mimeType: string | null;
  sha256: string | null;
  fileSize: number | null;
}

export interface CatalogBatchResult {
  handles: string[];
  refused: Array<{ retailerId: string; errors: string[] }>;
}

export interface WhatsAppClientOptions {
  baseUrl: string;
  version: string;
  token: string;
  timeoutMs?: number;
  /** The sandbox passes its in-process Graph here; production uses the pooled outbound fetch. */
  fetch?: FetchLike;
}

/**
 * Cloud API client. Every failure is a WhatsAppApiError whose `retryable` comes from Meta's
 * `code`; timeouts and network errors are retryable with `metaCode` null.
 */
export class WhatsAppClient {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(private readonly opts: WhatsAppClientOptions) {
    this.fetch = opts.fetch ?? outboundFetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private url(path: string): string {
    return `${this.opts.baseUrl.replace(/\/$/, '')}/${this.opts.version}/${path.replace(/^\//, '')}`;
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new WhatsAppApiError({
        message: timeout ? `Graph API timed out after ${this.timeoutMs} ms` : `Graph API unreachable: ${String(err)}`,
        details: timeout ? 'timeout' : 'network',
        retryable: true,
      });
    }
    const raw = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = raw ? JSON.parse(raw) : null;
    } catch {
      json = null;
    }
    if (!res.ok || (json && typeof json === 'object' && 'error' in json)) throw WhatsAppApiError.fromResponse(res.status, json);
    return json as T;
  }

  /** A Graph GET on a path under the API version (templates, phone numbers). */
  graphGet<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    return this.call<T>('GET', `${this.url(path)}${qs ? `?${qs}` : ''}`);
  }

  /** Uploads a file as media (`POST /{phone-number-id}/media`, multipart); resolves with its id. */
  async uploadMedia(phoneNumberId: string, data: Uint8Array, mimeType: string, filename = 'file'): Promise<{ id: string }> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', mimeType);
    form.set('file', new Blob([new Uint8Array(data)], { type: mimeType }), filename);
    let res: Response;
    try {
      res = await this.fetch(this.url(`${phoneNumberId}/media`), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.opts.token}` },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs * 3),
      });
    } catch (err) {
      throw new WhatsAppApiError({ message: `media upload failed: ${String(err)}`, retryable: true });
    }
    const json = (await res.json().catch(() => null)) as { id?: string } | null;
    if (!res.ok || !json?.id) throw WhatsAppApiError.fromResponse(res.status, json);
    return { id: json.id };
  }

  /** Follows a `paging.next` URL Graph handed back. */
  graphGetUrl<T>(url: string): Promise<T> {
    return this.call<T>('GET', url);
  }

  graphPost<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', this.url(path), body);
  }

  /**
   * Sends one message; resolves with Meta's wamid (accepted, not yet delivered). `callbackData`
   * goes out as `biz_opaque_callback_data` and comes back in the status webhooks.
   */
  async send(phoneNumberId: string, recipient: Recipient, message: OutboundMessage, opts: { callbackData?: string } = {}): Promise<{ wamid: string }> {
    const body = { ...envelope(recipient, message), ...(opts.callbackData ? { biz_opaque_callback_data: opts.callbackData } : {}) };
    const res = await this.call<{ messages?: Array<{ id?: string }> }>('POST', this.url(`${phoneNumberId}/messages`), body);
    const wamid = res?.messages?.[0]?.id;
    if (!wamid) throw new WhatsAppApiError({ message: 'Graph API accepted the message without a wamid', retryable: false });
    return { wamid };
  }

  /** Marks an inbound message read and, optionally, shows the typing indicator (gone on reply or after 25 s). */
  /**
   * Writes catalog items (Graph Commerce API, `POST /{catalog-id}/items_batch`, item_type
   * PRODUCT_ITEM, ≤ 5000 requests). Meta checks each item and answers `validation_status` with
   * the ones it refused and why; the batch itself is processed later under `handles`.
   */
  async catalogItemsBatch(catalogId: string, requests: Array<{ method: 'UPDATE' | 'DELETE'; data: Record<string, unknown> }>): Promise<CatalogBatchResult> {
    const res = await this.call<{ handles?: string[]; validation_status?: Array<{ retailer_id?: string; errors?: Array<{ message?: string }> }> }>(
      'POST',
      this.url(`${catalogId}/items_batch`),
      {
        item_type: 'PRODUCT_ITEM',
        allow_upsert: true,
        requests,
      },
    );
    return {
      handles: res.handles ?? [],
      refused: (res.validation_status ?? [])
        .filter((v) => v.errors?.length)
        .map((v) => ({ retailerId: v.retailer_id ?? '?', errors: v.errors!.map((e) => e.message ?? 'refused') })),
    };
  }

  async markRead(phoneNumberId: string, wamid: string, opts: { typing?: boolean } = {}): Promise<void> {
    await this.call('POST', this.url(`${phoneNumberId}/messages`), {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      ...(opts.typing ? { typing_indicator: { type: 'text' } } : {}),
    });
  }

  async getMedia(mediaId: string): Promise<MediaInfo> {
    const r = await this.call<{ id?: string; url?: string; mime_type?: string; sha256?: string; file_size?: string | number }>(
      'GET',
      this.url(encodeURIComponent(mediaId)),
    );
    if (!r?.url) throw new WhatsAppApiError({ message: `media ${mediaId} has no url`, retryable: false });
    return {
      id: r.id ?? mediaId,
      url: r.url,
      mimeType: r.mime_type ?? null,
      sha256: r.sha256 ?? null,
      fileSize: r.file_size !== undefined ? Number(r.file_size) : null,
    };
  }

  /**
   * Authenticated download of a media id, streamed into the file `to`. Media URLs expire after
   * 5 minutes: on 404 (or 401/403 from an expired signature) one fresh URL is looked up and
   * tried. Bytes beyond `maxBytes` abort the download whatever the announced size said; a
   * partial file is removed. The sha256 of what arrived is returned (hex and base64, since
   * webhooks carry base64 and the media endpoint hex).
   */
  async downloadMedia(
    mediaId: string,
    opts: { maxBytes: number; to: string },
  ): Promise<{ info: MediaInfo; bytes: number; sha256: string; sha256Base64: string }> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.getMedia(mediaId);
      if (info.fileSize !== null && info.fileSize > opts.maxBytes) {
        throw new MediaError(`media ${mediaId} is ${info.fileSize} bytes, over the ${opts.maxBytes} limit`, 'too_large');
      }
      let res: Response;
      try {
        res = await this.fetch(info.url, {
          headers: { authorization: `Bearer ${this.opts.token}` },
          signal: AbortSignal.timeout(this.timeoutMs * 3),
        });
      } catch (err) {
        throw new WhatsAppApiError({ message: `media download failed: ${String(err)}`, retryable: true });
      }
      if ((res.status === 404 || res.status === 401 || res.status === 403) && attempt === 0) {
        await res.body?.cancel();
        continue;
      }
      if (!res.ok || !res.body) throw new WhatsAppApiError({ message: `media download answered HTTP ${res.status}`, status: res.status });
      const hash = createHash('sha256');
      const file = createWriteStream(opts.to);
      let size = 0;
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > opts.maxBytes) {
            await reader.cancel();
            throw new MediaError(`media ${mediaId} exceeded ${opts.maxBytes} bytes while downloading`, 'too_large');
          }
          hash.update(value);
          if (!file.write(value)) await once(file, 'drain');
        }
        await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      } catch (err) {
        file.destroy();
        await rm(opts.to, { force: true });
        if (err instanceof WhatsAppApiError || err instanceof MediaError) throw err;
        throw new WhatsAppApiError({ message: `media download failed: ${String(err)}`, retryable: true });
      }
      const digest = hash.digest();
      return { info, bytes: size, sha256: digest.toString('hex'), sha256Base64: digest.toString('base64') };
    }
  }
}
