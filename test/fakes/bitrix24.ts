import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server standing in for a Bitrix24 portal's inbound webhook
 * (`/rest/<user>/<token>/<method>.json`), answering with Bitrix's shapes: `{"result": ..., "time": {...}}`
 * or `{"error": "...", "error_description": "..."}`. Faults on demand.
 */
export class FakeBitrix24 {
  readonly leads: Array<{ ID: string; fields: Record<string, any> }> = [];
  readonly deals: Array<{ ID: string; fields: Record<string, any> }> = [];
  readonly calls: Array<{ method: string; body: any }> = [];
  private faults: Array<{ status: number; error: string; description: string }> = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const m = (req.url ?? '').match(/^\/rest\/1\/secret-token\/([a-z.]+)\.json$/);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const time = {
        start: Date.now() / 1000,
        finish: Date.now() / 1000,
        duration: 0.01,
        processing: 0.005,
        date_start: new Date().toISOString(),
        date_finish: new Date().toISOString(),
      };
      if (!m) return send(401, { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' });
      this.calls.push({ method: m[1]!, body });
      const fault = this.faults.shift();
      if (fault) return send(fault.status, { error: fault.error, error_description: fault.description });
      if (m[1] === 'crm.lead.list' || m[1] === 'crm.deal.list') {
        const found = (m[1] === 'crm.lead.list' ? this.leads : this.deals)
          .filter((l) => l.fields.ORIGIN_ID === body.filter?.ORIGIN_ID)
          .map((l) => ({ ID: l.ID }));
        return send(200, { result: found, total: found.length, time });
      }
      if (m[1] === 'crm.lead.add' || m[1] === 'crm.deal.add') {
        const list = m[1] === 'crm.lead.add' ? this.leads : this.deals;
        const lead = { ID: String(list.length + 1), fields: body.fields };
        list.push(lead);
        return send(200, { result: Number(lead.ID), time });
      }
      return send(404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/rest/1/secret-token`;
    return this;
  }

  inject(...f: Array<{ status: number; error: string; description: string }>): void {
    this.faults.push(...f);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
