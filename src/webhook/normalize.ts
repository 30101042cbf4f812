import type { z } from 'zod';
import {
  asyncErrorSchema,
  contactSchema,
  envelopeSchema,
  messageSchema,
  messagesValueSchema,
  statusSchema,
  templateStatusSchema,
  type AsyncErrorPayload,
} from './payload.ts';

export interface InboundMessage {
  wamid: string;
  /** wa_id (phone) when WhatsApp gave it. */
  waId: string | null;
  /** Business-scoped user id (BSUID) when WhatsApp gave it. */
  userId: string | null;
  name: string | null;
  phoneNumberId: string | null;
  type: string;
  at: Date;
  /** The message object exactly as Meta sent it (unknown fields kept). */
  message: Record<string, unknown>;
  contact: Record<string, unknown> | null;
}

export interface StatusUpdate {
  wamid: string;
  status: string;
  at: Date;
  errorCode: number | null;
  errorDetail: string | null;
  /** Echo of the `biz_opaque_callback_data` we sent with the message. */
  callback: string | null;
  raw: Record<string, unknown>;
}

export interface TemplateStatusUpdate {
  name: string;
  language: string;
  event: string;
  metaId: string | null;
  category: string | null;
  reason: string | null;
}

export interface WebhookEvent {
  kind: 'error' | 'rejected' | 'unknown_field';
  field: string | null;
  code: number | null;
  detail: string | null;
  raw: unknown;
}

export interface NormalizedWebhook {
  messages: InboundMessage[];
  statuses: StatusUpdate[];
  templateUpdates: TemplateStatusUpdate[];
  /** Async errors, items we could not use, fields we do not handle: stored and logged, never dropped silently. */
  events: WebhookEvent[];
}

export type NormalizeResult = { ok: true; value: NormalizedWebhook } | { ok: false; reason: string };

const firstError = (errors: AsyncErrorPayload[] | undefined) => {
  const e = errors?.[0];
  return {
    errorCode: e?.code ?? null,
    errorDetail: e ? (e.error_data?.details ?? e.message ?? e.title ?? null) : null,
  };
};

const issue = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/**
 * Flattens every entry[].changes[] into what the service acts on. Only a body that is not a
 * webhook envelope at all is refused; anything odd inside one is kept as an event.
 */
export function normalizeWebhook(body: unknown): NormalizeResult {
  const env = envelopeSchema.safeParse(body);
  if (!env.success) return { ok: false, reason: `not a webhook envelope: ${issue(env.error)}` };
  const out: NormalizedWebhook = { messages: [], statuses: [], templateUpdates: [], events: [] };

  for (const entry of env.data.entry) {
    for (const change of entry.changes) {
      if (change.field === 'messages') {
        readMessagesChange(change.value, out);
      } else if (change.field === 'message_template_status_update') {
        const t = templateStatusSchema.safeParse(change.value);
        if (t.success) {
          out.templateUpdates.push({
            name: t.data.message_template_name,
            language: t.data.message_template_language,
            event: t.data.event,
            metaId: t.data.message_template_id !== undefined ? String(t.data.message_template_id) : null,
            category: t.data.message_template_category ?? null,
            reason: t.data.reason ?? null,
          });
        } else {
          out.events.push({ kind: 'rejected', field: change.field, code: null, detail: issue(t.error), raw: change.value });
        }
      } else {
        out.events.push({ kind: 'unknown_field', field: change.field, code: null, detail: null, raw: change.value });
      }
    }
  }
  return { ok: true, value: out };
}

function readMessagesChange(value: unknown, out: NormalizedWebhook): void {
  const v = messagesValueSchema.safeParse(value);
  if (!v.success) {
    out.events.push({ kind: 'rejected', field: 'messages', code: null, detail: issue(v.error), raw: value });
    return;
  }
  const phoneNumberId = v.data.metadata?.phone_number_id ?? null;
  const contacts = (v.data.contacts ?? []).flatMap((c) => {
    const p = contactSchema.safeParse(c);
    return p.success ? [p.data] : [];
  });

  for (const raw of v.data.messages ?? []) {
    const m = messageSchema.safeParse(raw);
    if (!m.success) {
      out.events.push({ kind: 'rejected', field: 'messages', code: null, detail: issue(m.error), raw });
      continue;
    }
    const msg = m.data;
    const contact =
      contacts.find((c) => (msg.from && c.wa_id === msg.from) || (msg.from_user_id && c.user_id === msg.from_user_id)) ??
      (contacts.length === 1 ? contacts[0] : undefined);
    const waId = msg.from ?? null;
    const userId = msg.from_user_id ?? contact?.user_id ?? null;
    if (!waId && !userId) {
      out.events.push({ kind: 'rejected', field: 'messages', code: null, detail: 'message has neither from nor from_user_id', raw });
      continue;
    }
    out.messages.push({
      wamid: msg.id,
      waId,
      userId,
      name: contact?.profile?.name ?? contact?.profile?.username ?? null,
      phoneNumberId,
      type: msg.type,
      at: msg.timestamp,
      message: raw as Record<string, unknown>,
      contact: (contact as Record<string, unknown> | undefined) ?? null,
    });
  }

  for (const raw of v.data.statuses ?? []) {
    const s = statusSchema.safeParse(raw);
    if (!s.success) {
      out.events.push({ kind: 'rejected', field: 'messages', code: null, detail: issue(s.error), raw });
      continue;
    }
    out.statuses.push({
      wamid: s.data.id,
      status: s.data.status,
      at: s.data.timestamp,
      ...firstError(s.data.errors),
      callback: s.data.biz_opaque_callback_data ?? null,
      raw: raw as Record<string, unknown>,
    });
  }

  for (const raw of v.data.errors ?? []) {
    const e = asyncErrorSchema.safeParse(raw);
    const { errorCode, errorDetail } = firstError(e.success ? [e.data] : undefined);
    out.events.push({ kind: 'error', field: 'messages', code: errorCode, detail: errorDetail, raw });
  }
}
