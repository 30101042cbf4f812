/**
 * The ids our reply buttons and list rows carry, and the payloads of our templates' quick
 * replies: what a tap means, encoded and parsed here only. A list row's id is a bare product id
 * (Meta gives rows 200 characters, buttons 256), so anything without a known prefix parses as a
 * product row.
 */
export type Payload =
  | { kind: 'alert'; product: string; level?: AlertLevel }
  | { kind: 'similar'; product: string }
  | { kind: 'product'; product: string }
  | { kind: 'arrivals'; category: string }
  | { kind: 'manager' }
  | { kind: 'unsubscribe' }
  | { kind: 'take'; escalation: number }
  | { kind: 'close'; escalation: number }
  | { kind: 'resume'; escalation: number }
  /** A template quick reply sent without a payload of ours (its key and button index). */
  | { kind: 'template'; template: string; index: number }
  /** Cart and checkout taps (core/cart.ts). */
  | { kind: 'cart_add'; product: string }
  | { kind: 'cart' }
  | { kind: 'cart_clear' }
  | { kind: 'checkout' }
  | { kind: 'checkout_cancel' }
  | { kind: 'fulfilment'; how: 'delivery' | 'pickup' }
  | { kind: 'use_name' }
  /** The summary's confirm button: `digest` names the lines, prices and details it showed. */
  | { kind: 'confirm'; digest: string }
  /** A list row: the bare product id. */
  | { kind: 'row'; product: string };

export type AlertLevel = 'any' | '10' | '20';
const LEVELS: readonly string[] = ['any', '10', '20'];

export function encodePayload(p: Payload): string {
  switch (p.kind) {
    case 'alert':
      return p.level ? `alert:${p.product}:${p.level}` : `alert:${p.product}`;
    case 'similar':
    case 'product':
      return `${p.kind}:${p.product}`;
    case 'arrivals':
      return `arrivals:${p.category}`;
    case 'manager':
    case 'unsubscribe':
      return p.kind;
    case 'take':
    case 'close':
    case 'resume':
      return `${p.kind}:${p.escalation}`;
    case 'template':
      return `tpl:${p.template}:${p.index}`;
    case 'cart_add':
      return `cart+:${p.product}`;
    case 'cart':
    case 'checkout':
      return p.kind;
    case 'cart_clear':
      return 'cart:clear';
    case 'checkout_cancel':
      return 'checkout:cancel';
    case 'fulfilment':
      return `ship:${p.how}`;
    case 'use_name':
      return 'name:profile';
    case 'confirm':
      return `confirm:${p.digest}`;
    case 'row':
      return p.product;
  }
}

/** What a tapped id means; null for an empty id. */
export function parsePayload(id: string | null | undefined): Payload | null {
  if (!id) return null;
  if (id === 'manager' || id === 'unsubscribe' || id === 'cart' || id === 'checkout') return { kind: id };
  if (id === 'cart:clear') return { kind: 'cart_clear' };
  if (id === 'checkout:cancel') return { kind: 'checkout_cancel' };
  if (id === 'name:profile') return { kind: 'use_name' };
  if (id === 'ship:delivery' || id === 'ship:pickup') return { kind: 'fulfilment', how: id.slice(5) as 'delivery' | 'pickup' };
  const colon = id.indexOf(':');
  const prefix = colon > 0 ? id.slice(0, colon) : '';
  const rest = id.slice(colon + 1);
  switch (prefix) {
    case 'alert': {
      // product ids may hold colons: the level is the last part only when it is one of ours
      const last = rest.lastIndexOf(':');
      const level = last > 0 ? rest.slice(last + 1) : '';
      return LEVELS.includes(level) ? { kind: 'alert', product: rest.slice(0, last), level: level as AlertLevel } : { kind: 'alert', product: rest };
    }
    case 'similar':
    case 'product':
      if (rest) return { kind: prefix, product: rest };
      break;
    case 'arrivals':
      if (rest) return { kind: 'arrivals', category: rest };
      break;
    case 'take':
    case 'close':
    case 'resume':
      if (/^\d+$/.test(rest)) return { kind: prefix, escalation: Number(rest) };
      break;
    case 'cart+':
      if (rest) return { kind: 'cart_add', product: rest };
      break;
    case 'confirm':
      if (/^[a-z0-9]{1,40}$/.test(rest)) return { kind: 'confirm', digest: rest };
      break;
    case 'tpl': {
      const m = rest.match(/^([a-z0-9_]+):(\d+)$/);
      if (m) return { kind: 'template', template: m[1]!, index: Number(m[2]) };
      break;
    }
  }
  return { kind: 'row', product: id };
}
