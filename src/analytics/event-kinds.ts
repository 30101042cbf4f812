/**
 * Every analytics event kind, named once: turns, jobs, consent and the console write them
 * (`analytics_events.kind`), the roll-up and the report read them back. Writing a kind not here
 * is a type error; readers take the name from `EVENT`.
 */
export const EVENT_KINDS = [
  'search',
  'semantic',
  'product_view',
  'list_tap',
  'recommendations',
  'recommendation_tap',
  'preference',
  'alert_set',
  'cart_add',
  'cart_view',
  'checkout_start',
  'checkout_changed',
  'order_placed',
  'order_message',
  'offline_answer',
  'escalation',
  'manager_reply',
  'model_usage',
  'opt_out',
  'opt_in',
  'cart_reminder_capped',
  'shopper_forgotten',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export const EVENT = Object.fromEntries(EVENT_KINDS.map((k) => [k, k])) as { readonly [K in EventKind]: K };
