import { z } from 'zod';

/**
 * Webhook shapes from Meta's reference and the fixtures in shared/reference. Every object is
 * loose: unknown fields and message types are kept, because Meta adds them without notice.
 */
// Seconds up to 9999-12-31: a larger one is not a date Postgres (or toISOString) can store.
const MAX_EPOCH_SECONDS = 253_402_300_799;

const epoch = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_EPOCH_SECONDS) {
    ctx.addIssue({ code: 'custom', message: 'timestamp is not a number of seconds before the year 10000' });
    return z.NEVER;
  }
  return new Date(n * 1000);
});

const asyncError = z.looseObject({
  code: z.number().int().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type AsyncErrorPayload = z.infer<typeof asyncError>;

export const contactSchema = z.looseObject({
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});

export const messageSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string().min(1).optional(),
  from_user_id: z.string().min(1).optional(),
  timestamp: epoch,
  type: z.string().min(1),
});
export type WebhookMessage = z.infer<typeof messageSchema> & Record<string, unknown>;

export const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: epoch,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(asyncError).optional(),
});

export const messagesValueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string().optional(), display_phone_number: z.string().optional() }).optional(),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});

export const templateStatusSchema = z.looseObject({
  event: z.string().min(1),
  message_template_id: z.union([z.number(), z.string()]).optional(),
  message_template_name: z.string().min(1),
  message_template_language: z.string().min(1),
  message_template_category: z.string().optional(),
  reason: z.string().nullable().optional(),
});

export const envelopeSchema = z.looseObject({
  object: z.string().optional(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

export { asyncError as asyncErrorSchema };
