/**
 * Webhook envelopes in the shape Meta posts them (shared/reference/cloud-api-fixtures), built in
 * one place for the sandbox, the tests, the fakes and the benchmarks.
 */

/** Meta's timestamps: Unix seconds as a string. */
export const unixSeconds = (at: Date | number = Date.now()) => String(Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000));

export interface EnvelopeOpts {
  phoneNumberId: string;
  displayPhoneNumber?: string;
  /** The WhatsApp Business Account id (`entry[].id`). */
  wabaId?: string;
}

function envelope<V extends object>(opts: EnvelopeOpts, value: V) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: opts.wabaId ?? '419561257915477',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: opts.displayPhoneNumber ?? '15550783881', phone_number_id: opts.phoneNumberId },
              ...value,
            } as Record<string, unknown> & V,
          },
        ],
      },
    ],
  };
}

/** Inbound messages from one sender, with the contact Meta attaches. */
export function messagesEnvelope(opts: EnvelopeOpts & { from: string; name?: string | null; messages: Array<Record<string, unknown>> }) {
  return envelope(opts, { contacts: [{ profile: { name: opts.name ?? '' }, wa_id: opts.from }], messages: opts.messages });
}

/** Status updates of sent messages. */
export function statusesEnvelope(opts: EnvelopeOpts & { statuses: Array<Record<string, unknown>> }) {
  return envelope(opts, { statuses: opts.statuses });
}

/** A text message as it appears in `messages[]`. */
export const textMessage = (opts: { from: string; id: string; body: string; at?: Date | number }) => ({
  from: opts.from,
  id: opts.id,
  timestamp: unixSeconds(opts.at),
  type: 'text',
  text: { body: opts.body },
});
