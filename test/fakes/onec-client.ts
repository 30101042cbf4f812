import { zipSync } from 'fflate';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface OneCCallLog {
  type: string;
  mode: string;
  filename?: string;
  bytes?: number;
  answer: string;
}

/**
 * A stand-in for 1C:Enterprise's standard "обмен с сайтом", calling the site as 1C does:
 * Basic auth on checkauth, then the cookie it was given on every call; `init` read for `zip` and
 * `file_limit`; with zip=yes every file packed into one archive; a file (or archive) larger than
 * file_limit sent in several `mode=file` calls with the same name; `mode=import` repeated while
 * the site answers `progress`, for each exchange file in turn; then deactivate and complete.
 * Every call and answer is kept in `calls`.
 */
export class OneCClient {
  readonly calls: OneCCallLog[] = [];
  private cookie: string | null = null;
  private type = 'catalog';
  zip = false;
  fileLimit = 0;
  private archives = 0;

  constructor(
    private readonly opts: {
      fetch: Fetch;
      /** The exchange URL as configured in 1C, e.g. http://shop/exchange/1c. */
      url: string;
      user: string;
      password: string;
      /** 1C's "use zip" setting: it packs only when the site also says zip=yes. */
      useZip?: boolean;
    },
  ) {}

  private async call(mode: string, params: Record<string, string> = {}, body?: Uint8Array): Promise<string> {
    const q = new URLSearchParams({ type: this.type, mode, ...params });
    const headers: Record<string, string> = {};
    if (mode === 'checkauth') headers.authorization = `Basic ${Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64')}`;
    if (this.cookie) headers.cookie = this.cookie;
    if (body) headers['content-type'] = 'application/octet-stream';
    const res = await this.opts.fetch(`${this.opts.url}?${q}`, {
      method: body || mode !== 'checkauth' ? 'POST' : 'GET',
      headers,
      body: body ? new Uint8Array(body) : undefined,
    });
    const answer = await res.text();
    this.calls.push({ type: this.type, mode, ...(params.filename ? { filename: params.filename } : {}), ...(body ? { bytes: body.length } : {}), answer });
    if (res.status !== 200) throw new Error(`1C: HTTP ${res.status} for mode=${mode}: ${answer}`);
    return answer;
  }

  /** checkauth: `success\n<cookie name>\n<cookie value>`; the cookie goes on every later call. */
  async checkauth(type: 'catalog' | 'sale'): Promise<string[]> {
    this.type = type;
    this.cookie = null;
    const lines = (await this.call('checkauth')).split('\n');
    if (lines[0] === 'success') this.cookie = `${lines[1]}=${lines[2]}`;
    return lines;
  }

  async init(): Promise<string[]> {
    const lines = (await this.call('init')).split('\n');
    for (const l of lines) {
      const [k, v] = l.split('=');
      if (k === 'zip') this.zip = v === 'yes' && this.opts.useZip !== false;
      if (k === 'file_limit') this.fileLimit = Number(v);
    }
    return lines;
  }

  /** What 1C sends for these files: one archive when zip is on (1C packs before it starts sending), else the files. */
  pack(files: Array<{ name: string; data: Uint8Array }>): Array<{ name: string; data: Uint8Array }> {
    return this.zip ? [{ name: `exchange-${++this.archives}.zip`, data: zipSync(Object.fromEntries(files.map((f) => [f.name, f.data]))) }] : files;
  }

  /** Sends files as 1C does: packed into one archive when zip is on, each cut at file_limit. Returns the answers. */
  async upload(files: Array<{ name: string; data: Uint8Array }>): Promise<string[]> {
    return this.send(this.pack(files));
  }

  /** Sends what `pack` made, each cut at file_limit. */
  async send(sends: Array<{ name: string; data: Uint8Array }>): Promise<string[]> {
    const answers: string[] = [];
    for (const f of sends) {
      const limit = this.fileLimit || f.data.length || 1;
      for (let i = 0; i === 0 || i < f.data.length; i += limit) answers.push(await this.call('file', { filename: f.name }, f.data.subarray(i, i + limit)));
    }
    return answers;
  }

  /** `mode=import` until the site stops answering progress (at most `maxCalls`). Returns the last answer's lines and how many calls it took. */
  async import(filename: string, maxCalls = 10_000): Promise<{ lines: string[]; calls: number }> {
    for (let calls = 1; ; calls++) {
      const lines = (await this.call('import', { filename })).split('\n');
      if (lines[0] !== 'progress' || calls >= maxCalls) return { lines, calls };
    }
  }

  deactivate(): Promise<string> {
    return this.call('deactivate', { timestamp: String(Math.floor(Date.now() / 1000)) });
  }

  complete(): Promise<string> {
    return this.call('complete');
  }

  /** A whole catalog exchange as 1C runs it. Stops at the first failure and returns it. */
  async exchangeCatalog(
    files: Array<{ name: string; data: Uint8Array }>,
    opts: { imports: string[]; deactivate?: boolean },
  ): Promise<{ ok: boolean; answer: string }> {
    const auth = await this.checkauth('catalog');
    if (auth[0] !== 'success') return { ok: false, answer: auth.join('\n') };
    await this.init();
    for (const a of await this.upload(files)) if (a !== 'success') return { ok: false, answer: a };
    for (const name of opts.imports) {
      const r = await this.import(name);
      if (r.lines[0] !== 'success') return { ok: false, answer: r.lines.join('\n') };
    }
    if (opts.deactivate) await this.deactivate();
    await this.complete();
    return { ok: true, answer: 'success' };
  }

  /** type=sale: the orders the site has for 1C, as the XML it answered. */
  async query(): Promise<string> {
    return this.call('query');
  }

  success(): Promise<string> {
    return this.call('success');
  }
}
