/**
 * Bitrix24 REST through an inbound webhook URL (https://<portal>/rest/<user>/<token>/).
 * Expected failures are values: Bitrix answers `{"error": "...", "error_description": "..."}`
 * (QUERY_LIMIT_EXCEEDED with 503 when throttled), or the network fails.
 */
export type Bitrix24Result<T> = { ok: true; value: T } | { ok: false; error: string; retryable: boolean };

export interface LeadInput {
  /** Our id for the lead (ORIGIN_ID), so a retry finds the lead instead of creating another. */
  originId: string;
  title: string;
  name: string;
  phone: string | null;
  comments: string;
}

export interface DealInput {
  /** Our id for the deal (ORIGIN_ID): a retry finds it instead of making another. */
  originId: string;
  title: string;
  /** Currency units. */
  amount: number;
  currency: string;
  name: string;
  phone: string | null;
  comments: string;
}

export class Bitrix24Client {
  private readonly base: string;
  private readonly fetch: typeof globalThis.fetch;

  constructor(private readonly opts: { webhookUrl: string; timeoutMs?: number; fetch?: typeof globalThis.fetch }) {
    this.base = opts.webhookUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  private async call<T>(method: string, body: unknown): Promise<Bitrix24Result<T>> {
    try {
      const res = await this.fetch(`${this.base}/${method}.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      const json = (await res.json().catch(() => null)) as { result?: T; error?: string; error_description?: string } | null;
      if (json && 'result' in json && res.ok) return { ok: true, value: json.result as T };
      const error = json?.error ? `${json.error}: ${json.error_description ?? ''}`.trim() : `HTTP ${res.status}`;
      return { ok: false, error, retryable: res.status >= 500 || res.status === 429 || json?.error === 'QUERY_LIMIT_EXCEEDED' };
    } catch (err) {
      return { ok: false, error: String(err), retryable: true };
    }
  }

  /** Creates the lead, or returns the existing one with the same ORIGIN_ID. */
  addLead(lead: LeadInput): Promise<Bitrix24Result<string>> {
    return this.findOrAdd('lead', lead.originId, {
      TITLE: lead.title,
      NAME: lead.name,
      COMMENTS: lead.comments,
      ...(lead.phone ? { PHONE: [{ VALUE: `+${lead.phone}`, VALUE_TYPE: 'MOBILE' }] } : {}),
    });
  }

  /** Creates the deal, or returns the existing one with the same ORIGIN_ID. */
  addDeal(deal: DealInput): Promise<Bitrix24Result<string>> {
    return this.findOrAdd('deal', deal.originId, {
      TITLE: deal.title,
      OPPORTUNITY: deal.amount,
      CURRENCY_ID: deal.currency,
      COMMENTS: [deal.name, deal.phone ? `+${deal.phone}` : '', deal.comments].filter(Boolean).join('\n'),
    });
  }

  /** A lead or deal by our ORIGIN_ID, made when there is none: a retry after a crash finds the first. */
  private async findOrAdd(entity: 'lead' | 'deal', originId: string, fields: Record<string, unknown>): Promise<Bitrix24Result<string>> {
    const found = await this.call<Array<{ ID: string }>>(`crm.${entity}.list`, { filter: { ORIGIN_ID: originId }, select: ['ID'] });
    if (!found.ok) return found;
    if (found.value.length) return { ok: true, value: String(found.value[0]!.ID) };
    const created = await this.call<number>(`crm.${entity}.add`, {
      fields: { ...fields, ORIGIN_ID: originId, SOURCE_ID: 'OTHER', SOURCE_DESCRIPTION: 'WhatsApp (Vitrina)' },
      params: { REGISTER_SONET_EVENT: 'Y' },
    });
    return created.ok ? { ok: true, value: String(created.value) } : created;
  }
}
