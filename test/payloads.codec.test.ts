import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePayload, parsePayload, type Payload } from '../src/whatsapp/payloads.ts';

const sku = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((s) => !/^(alert|similar|product|arrivals|take|close|resume|tpl):/.test(s) && s !== 'manager' && s !== 'unsubscribe');
const anyPayload: fc.Arbitrary<Payload> = fc.oneof(
  fc.record({ kind: fc.constant('alert' as const), product: sku }),
  fc.record({ kind: fc.constant('alert' as const), product: sku, level: fc.constantFrom('any' as const, '10' as const, '20' as const) }),
  fc.record({ kind: fc.constantFrom('similar' as const, 'product' as const), product: sku }),
  fc.record({ kind: fc.constant('arrivals' as const), category: fc.string({ minLength: 1 }) }),
  fc.constantFrom<Payload>({ kind: 'manager' }, { kind: 'unsubscribe' }),
  fc.record({ kind: fc.constantFrom('take' as const, 'close' as const, 'resume' as const), escalation: fc.nat() }),
  fc.record({ kind: fc.constant('template' as const), template: fc.stringMatching(/^[a-z0-9_]{1,20}$/), index: fc.nat(9) }),
  fc.record({ kind: fc.constant('row' as const), product: sku }),
);

describe('button and list-row payloads', () => {
  it('every payload parses back to itself', () => {
    fc.assert(
      fc.property(anyPayload, (p) => {
        expect(parsePayload(encodePayload(p))).toEqual(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the ids already out in the world', () => {
    expect(parsePayload('alert:ZT-0001')).toEqual({ kind: 'alert', product: 'ZT-0001' });
    expect(parsePayload('alert:ZT:01:20')).toEqual({ kind: 'alert', product: 'ZT:01', level: '20' });
    expect(parsePayload('take:12')).toEqual({ kind: 'take', escalation: 12 });
    expect(parsePayload('take:x')).toEqual({ kind: 'row', product: 'take:x' });
    expect(parsePayload('tpl:price_alert_notification:1')).toEqual({ kind: 'template', template: 'price_alert_notification', index: 1 });
    expect(parsePayload('ZT-0042')).toEqual({ kind: 'row', product: 'ZT-0042' });
    expect(parsePayload('')).toBeNull();
  });
});
