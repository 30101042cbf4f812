import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusesEnvelope, unixSeconds } from '../../src/webhook/envelopes.ts';
import { signBody } from '../../src/webhook/signature.ts';

const cache = new Map<string, string>();
/** A fresh copy of a fixture (read from disk once). */
const fixture = (name: string) => {
  if (!cache.has(name)) cache.set(name, readFileSync(new URL(`../fixtures/cloud-api/${name}`, import.meta.url), 'utf8'));
  return JSON.parse(cache.get(name)!);
};

/** Meta's error body for a code, in the shape of error_response_130429.json. */
export function metaError(code: number, details: string, message = `(#${code}) ${details}`) {
  const body = fixture('error_response_130429.json');
  body.error.code = code;
  body.error.message = message;
  body.error.error_data.details = details;
  body.error.fbtrace_id = `fake-${randomUUID().slice(0, 8)}`;
  return body;
}

/**
 * Rules Meta enforces on a send that its OpenAPI spec does not encode, answered as Meta does.
 * 132018: a template text parameter with a new line, a tab or more than 4 consecutive spaces.
 */
export function refusal(body: Record<string, any>): Record<string, unknown> | null {
  for (const c of body.template?.components ?? []) {
    for (const p of c.parameters ?? []) {
      if (p.type === 'text' && /[\n\t]| {5,}/.test(String(p.text))) {
        return metaError(
          132018,
          'Param text cannot have new-line/tab characters or more than 4 consecutive spaces',
          '(#132018) There was an issue with the parameters in your template.',
        );
      }
    }
  }
  // rules of the commerce and link messages Meta's OpenAPI spec does not encode
  const i = body.interactive;
  if (i?.type === 'product_list') {
    const items = (i.action?.sections ?? []).flatMap((x: any) => x.product_items ?? []);
    if (i.header?.type !== 'text' || !i.header.text) return metaError(131009, 'Parameter value is not valid', 'product_list needs a text header');
    if (!i.body?.text) return metaError(131009, 'Parameter value is not valid', 'product_list needs a body');
    if (items.length < 1 || items.length > 30 || i.action.sections.length > 10)
      return metaError(131009, 'Parameter value is not valid', 'product_list holds 1–30 products in ≤ 10 sections');
    if (i.action.sections.length > 1 && i.action.sections.some((x: any) => !x.title))
      return metaError(131009, 'Parameter value is not valid', 'sections need titles');
  }
  if ((i?.type === 'product' || i?.type === 'product_list') && !i.action?.catalog_id)
    return metaError(131009, 'Parameter value is not valid', 'catalog_id is required');
  if (i?.type === 'cta_url' && (!/^https?:\/\//.test(String(i.action?.parameters?.url)) || String(i.action?.parameters?.display_text ?? '').length > 20)) {
    return metaError(131009, 'Parameter value is not valid', 'cta_url needs an http(s) url and display_text ≤ 20');
  }
  const media = i?.header && ['image', 'video', 'document'].includes(i.header.type) ? i.header[i.header.type] : null;
  if (i?.header && media === null && i.header.type !== 'text')
    return metaError(131009, 'Parameter value is not valid', 'header type must be text, image, video or document');
  if (media && (!(media.id || media.link) || (media.link !== undefined && !/^https?:\/\//.test(String(media.link))))) {
    return metaError(131009, 'Parameter value is not valid', 'a media header needs an id or an absolute http(s) link');
  }
  if (i?.type === 'product' && i.header) return metaError(131009, 'Parameter value is not valid', 'a product message cannot have a header');
  if (body.type === 'document' && body.document?.link !== undefined && !/^https?:\/\//.test(String(body.document.link))) {
    return metaError(131009, 'Parameter value is not valid', 'document link must be an absolute http(s) URL');
  }
  return null;
}

/** Meta's checks of one items_batch request (PRODUCT_ITEM): what a catalog item must have. */
function catalogItemErrors(r: Record<string, any>): string[] {
  if (r.method === 'DELETE') return r.data?.id ? [] : ['id is required'];
  const d = r.data ?? {};
  const errors: string[] = [];
  if (!d.id) errors.push('id is required');
  if (!d.title) errors.push('title is required');
  if (!/^\d+(\.\d+)? [A-Z]{3}$/.test(String(d.price))) errors.push(`price "${d.price}" is not "amount CUR"`);
  if (!['in stock', 'out of stock', 'preorder', 'available for order', 'discontinued'].includes(d.availability)) errors.push('availability is invalid');
  if (!/^https?:\/\//.test(String(d.link ?? ''))) errors.push('link is required');
  if (!/^https?:\/\//.test(String(d.image_link ?? ''))) errors.push('image_link is required');
  return errors;
}

/**
 * With one send in five failing at random, one message in 3,000 would fail five times in a row
 * and wait minutes for its sixth try (backoff 1 s × 4ⁿ); a fault suite of 400 messages would then
 * time out one run in eight. Meta's own faults do not single out a message like that.
 */
const MAX_RANDOM_FAULTS_IN_A_ROW = 3;

export type Fault =
  | { kind: 'error'; status: number; body: unknown }
  | { kind: 'hang' }
  | { kind: 'drop' }
  /** Meta took the message (it is sent and its status webhook follows) but the answer never comes. */
  | { kind: 'accept-then-hang' };

export interface RecordedSend {
  path: string;
  body: Record<string, any>;
  wamid: string;
}

interface Media {
  bytes: Buffer;
  mime: string;
  /** Announced size; differs from bytes.length to simulate a lying server. */
  announced: number;
}

/**
 * A real HTTP server standing in for graph.facebook.com: answers with the fixture shapes,
 * records what it got, and injects faults on demand. With `webhook` set it reports each
 * accepted message back as a signed `sent` status (with biz_opaque_callback_data), retrying
 * until it gets a 200, as Meta does.
 */
export class FakeGraphApi {
  readonly sends: RecordedSend[] = [];
  readonly reads: Array<Record<string, any>> = [];
  readonly requests: Array<{ method: string; path: string; authorization: string | undefined }> = [];
  /** Templates Meta "has" for the WABA; tests seed and inspect them. */
  readonly templates: Array<{ id: string; name: string; language: string; category: string; status: string; components: Array<Record<string, any>> }> = [];
  readonly templatePosts: Array<Record<string, any>> = [];
  readonly uploads: Array<{ id: string; type: string; product: string }> = [];
  private faults: Fault[] = [];
  private media = new Map<string, Media>();
  private expireNextDownload = new Set<string>();
  private hanging: ServerResponse[] = [];
  private server: Server | null = null;
  private webhookQueue: Array<{ body: string; tries: number }> = [];
  private webhookTimer: NodeJS.Timeout | null = null;
  /** Probability of a random fault on a send (fault suite): 130429, 500, a timeout, or accepted with the answer lost. */
  errorRate = 0;
  /** How many of each random fault were injected. */
  readonly faultCounts: Record<string, number> = {};
  webhook: { url: string; appSecret: string } | null = null;
  url = '';

  constructor(private readonly opts: { token?: string } = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.webhookTimer) clearInterval(this.webhookTimer);
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next sends answer with these faults, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  addMedia(id: string, bytes: Buffer, mime: string, announced = bytes.length): void {
    this.media.set(id, { bytes, mime, announced });
  }

  /** The next download of this media answers 404, as an expired URL does. */
  expireUrlOnce(id: string): void {
    this.expireNextDownload.add(id);
  }

  /** The Meta catalog as items_batch left it, by retailer id; and each batch as sent. */
  readonly catalogItems = new Map<string, Record<string, unknown>>();
  readonly catalogBatches: Array<{ catalogId: string; requests: Array<Record<string, any>> }> = [];

  sendsTo(waId: string): RecordedSend[] {
    return this.sends.filter((s) => s.body.to === `+${waId}` || s.body.recipient === waId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return reply(401, { error: { ...fixture('error_object_190_expired_token.json') } });
    }

    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length === 3 && parts[2] === 'message_templates') {
      if (req.method === 'POST') {
        const body = JSON.parse(raw) as Record<string, any>;
        this.templatePosts.push(body);
        if (this.templates.some((t) => t.name === body.name && t.language === body.language)) {
          return reply(400, metaError(100, `Content in this language already exists`, 'Invalid parameter'));
        }
        const created = {
          id: String(1_000_000_000 + this.templates.length),
          name: body.name,
          language: body.language,
          category: String(body.category).toUpperCase(),
          status: 'PENDING',
          components: body.components,
        };
        this.templates.push(created);
        return reply(200, { id: created.id, status: created.status, category: created.category });
      }
      // GET with cursor paging, in the shape of template_list_fields_response.json
      const limit = Number(url.searchParams.get('limit') ?? 25);
      const after = Number(url.searchParams.get('after') ?? 0);
      const data = this.templates.slice(after, after + limit);
      const paging: Record<string, unknown> = { cursors: { before: String(after), after: String(after + data.length) } };
      if (after + limit < this.templates.length) paging.next = `${this.url}${url.pathname}?limit=${limit}&after=${after + limit}`;
      return reply(200, { data, paging });
    }
    if (req.method === 'POST' && parts.length === 3 && parts[2] === 'items_batch') {
      const body = JSON.parse(raw) as { item_type?: string; requests?: Array<Record<string, any>> };
      if (body.item_type !== 'PRODUCT_ITEM' || !Array.isArray(body.requests) || body.requests.length > 5000)
        return reply(400, metaError(100, 'Invalid parameter'));
      const validation = [];
      for (const r of body.requests) {
        const errors = catalogItemErrors(r);
        if (errors.length) validation.push({ retailer_id: r.data?.id, errors: errors.map((message) => ({ message })), warnings: [] });
        else if (r.method === 'DELETE') this.catalogItems.delete(r.data.id);
        else this.catalogItems.set(r.data.id, r.data);
      }
      this.catalogBatches.push({ catalogId: parts[1]!, requests: body.requests });
      return reply(200, { handles: [`fake-handle-${this.catalogBatches.length}`], validation_status: validation });
    }
    if (req.method === 'POST' && parts.length === 3 && parts[2] === 'media') {
      const form = await new Request('http://fake/', {
        method: 'POST',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      }).formData();
      const file = form.get('file') as File;
      const id = `uploaded-${randomUUID()}`;
      this.addMedia(id, Buffer.from(await file.arrayBuffer()), String(form.get('type') ?? file.type));
      this.uploads.push({ id, type: String(form.get('type')), product: String(form.get('messaging_product')) });
      const response = fixture('media_upload_response.json');
      response.id = id;
      return reply(200, response);
    }
    if (req.method === 'POST' && parts.length === 3 && parts[2] === 'messages') {
      const body = JSON.parse(raw) as Record<string, any>;
      if (body.status === 'read') {
        this.reads.push(body);
        return reply(200, fixture('mark_as_read_response.json'));
      }
      const refused = refusal(body);
      if (refused) return reply(400, refused);
      const fault =
        this.faults.shift() ?? this.randomFault(String(body.biz_opaque_callback_data ?? `${body.to ?? body.recipient}:${JSON.stringify(body).length}`));
      if (fault?.kind === 'error') return reply(fault.status, fault.body);
      if (fault?.kind === 'hang') {
        this.hanging.push(res);
        return;
      }
      if (fault?.kind === 'drop') {
        res.destroy();
        return;
      }
      const wamid = `wamid.fake.${randomUUID()}`;
      this.sends.push({ path: url.pathname, body, wamid });
      if (fault?.kind === 'accept-then-hang') {
        this.reportSent(body, wamid, parts[1]!);
        this.hanging.push(res);
        return;
      }
      const response = fixture('send_message_response.json');
      response.contacts[0].input = body.to ?? body.recipient;
      response.contacts[0].wa_id = String(body.to ?? body.recipient).replace(/^\+/, '');
      response.messages[0].id = wamid;
      this.reportSent(body, wamid, parts[1]!);
      return reply(200, response);
    }
    if (req.method === 'GET' && parts[0] === 'download' && parts[1]) {
      const m = this.media.get(parts[1]);
      if (!m || this.expireNextDownload.delete(parts[1])) return reply(404, metaError(100, 'URL expired'));
      res.writeHead(200, { 'content-type': m.mime });
      res.end(m.bytes);
      return;
    }
    if (req.method === 'GET' && parts.length === 2) {
      const id = decodeURIComponent(parts[1]!);
      const m = this.media.get(id);
      if (!m) return reply(400, metaError(100, `Unsupported get request. Object with ID '${id}' does not exist`));
      const info = fixture('media_url_response.json');
      Object.assign(info, {
        id,
        url: `${this.url}/download/${id}?ext=${randomUUID().slice(0, 6)}`,
        mime_type: m.mime,
        sha256: createHash('sha256').update(m.bytes).digest('hex'),
        file_size: String(m.announced),
      });
      return reply(200, info);
    }
    return reply(404, metaError(100, `Unknown path components: ${url.pathname}`));
  }

  /** Random faults each message met in a row: at most MAX_RANDOM_FAULTS_IN_A_ROW, so the retries (backoff 1 s × 4ⁿ) end within a test's time. */
  private readonly faultsInARow = new Map<string, number>();

  private randomFault(message: string): Fault | undefined {
    const inARow = this.faultsInARow.get(message) ?? 0;
    if (this.errorRate <= 0 || inARow >= MAX_RANDOM_FAULTS_IN_A_ROW || Math.random() >= this.errorRate) {
      this.faultsInARow.delete(message);
      return undefined;
    }
    this.faultsInARow.set(message, inARow + 1);
    const faults: Fault[] = [
      // HTTP 429 here; the retry tests send 130429 as HTTP 400, as Meta's reference does: retries go by code
      { kind: 'error', status: 429, body: metaError(130429, 'Cloud API message throughput has been reached.') },
      { kind: 'error', status: 500, body: metaError(131000, 'Something went wrong') },
      { kind: 'hang' },
      { kind: 'accept-then-hang' },
    ];
    const fault = faults[Math.floor(Math.random() * faults.length)]!;
    const name = fault.kind === 'error' ? `http ${fault.status}` : fault.kind;
    this.faultCounts[name] = (this.faultCounts[name] ?? 0) + 1;
    return fault;
  }

  private reportSent(body: Record<string, any>, wamid: string, pnid: string): void {
    if (!this.webhook) return;
    const status = {
      id: wamid,
      status: 'sent',
      timestamp: unixSeconds(),
      recipient_id: String(body.to ?? body.recipient).replace(/^\+/, ''),
      ...(body.biz_opaque_callback_data ? { biz_opaque_callback_data: body.biz_opaque_callback_data } : {}),
    };
    const payload = statusesEnvelope({ phoneNumberId: pnid, displayPhoneNumber: '15550000000', wabaId: 'fake-waba', statuses: [status] });
    this.webhookQueue.push({ body: JSON.stringify(payload), tries: 0 });
    this.webhookTimer ??= setInterval(() => void this.flushWebhooks(), 50);
  }

  private flushing = false;
  private async flushWebhooks(): Promise<void> {
    if (this.flushing || !this.webhook) return;
    this.flushing = true;
    try {
      const batch = this.webhookQueue.splice(0, 50);
      const failed: typeof batch = [];
      await Promise.all(
        batch.map(async (w) => {
          try {
            const r = await fetch(this.webhook!.url, {
              method: 'POST',
              body: w.body,
              headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(w.body, this.webhook!.appSecret) },
            });
            if (r.status !== 200) failed.push(w);
          } catch {
            failed.push(w);
          }
        }),
      );
      this.webhookQueue.unshift(...failed);
    } finally {
      this.flushing = false;
    }
  }

  /** Status webhooks still waiting for a 200 from the service. */
  get pendingWebhooks(): number {
    return this.webhookQueue.length;
  }
}
