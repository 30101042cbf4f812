import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRateCard, messageCost, pricingOf } from '../src/analytics/rate-card.ts';
import { TemplateError } from '../src/errors.ts';

const file = (text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'rates-')), 'rates.yaml');
  writeFileSync(f, text);
  return f;
};
/** The tests' card, and the lines the mistakes below are reported at. */
const CARD = readFileSync(new URL('./fixtures/rates.yaml', import.meta.url), 'utf8');

describe('the WhatsApp rate card (templates/rates.yaml)', () => {
  it('the shipped card is valid and prices Kazakhstan and Russia', () => {
    const card = loadRateCard();
    expect(card.countryOf('77011234567')).toBe('KZ');
    expect(card.countryOf('79161234567')).toBe('RU');
    expect(card.countryOf('4915112345678')).toBeNull();
    expect(card.price({ country: 'RU', category: 'marketing', at: new Date('2026-12-04T10:00:00Z') })).toBeGreaterThan(0);
  });

  it("the shipped card bills a service reply from 2026-10-01 at the market's utility rate, and not before", () => {
    const card = loadRateCard();
    const service = { category: 'service', type: 'regular', model: 'PMP', billable: true };
    for (const [number, country] of [
      ['77011234567', 'KZ'],
      ['79161234567', 'RU'],
    ] as const) {
      const day = new Date('2026-10-01T08:00:00Z');
      expect(messageCost(card, service, number, day)).toBe(card.price({ country, category: 'utility', at: day }));
      expect(messageCost(card, service, number, day)).toBeGreaterThan(0);
      // before that day a service reply was free: Meta sent it as free_customer_service, and the
      // card has no service rate to guess with
      expect(messageCost(card, { ...service, type: 'free_customer_service' }, number, new Date('2026-09-30T08:00:00Z'))).toBe(0);
      expect(card.price({ country, category: 'service', at: new Date('2026-09-30T08:00:00Z') })).toBeNull();
    }
    // Kazakhstan's utility rate changed that day
    expect(card.price({ country: 'KZ', category: 'utility', at: new Date('2026-09-30T08:00:00Z') })).not.toBe(
      card.price({ country: 'KZ', category: 'utility', at: new Date('2026-10-01T08:00:00Z') }),
    );
  });

  it('a rate change inside a period: each message at the rate of its own day; the longest prefix decides the country', () => {
    const card = loadRateCard(file(CARD));
    expect(card.countryOf('+77011234567')).toBe('KZ');
    expect(card.countryOf('79161234567')).toBe('RU');
    const utility = { category: 'utility', type: 'regular', model: 'PMP', billable: true };
    expect(messageCost(card, utility, '77011234567', new Date('2026-09-30T23:59:59Z'))).toBe(0.02);
    expect(messageCost(card, utility, '77011234567', new Date('2026-10-01T00:00:00Z'))).toBe(0.015);
    // before the first rate, an unknown category or country: charged but unpriced, never guessed
    expect(messageCost(card, utility, '77011234567', new Date('2026-06-30T12:00:00Z'))).toBeNull();
    expect(messageCost(card, { ...utility, category: 'authentication' }, '77011234567', new Date('2026-11-01T00:00:00Z'))).toBeNull();
    expect(messageCost(card, utility, '4915112345678', new Date('2026-11-01T00:00:00Z'))).toBeNull();
    // free types cost nothing; a conversation-based status is charged when billable
    expect(messageCost(card, { ...utility, type: 'free_customer_service' }, '77011234567', new Date('2026-11-01T00:00:00Z'))).toBe(0);
    expect(messageCost(card, { ...utility, type: 'free_entry_point' }, '77011234567', new Date('2026-11-01T00:00:00Z'))).toBe(0);
    expect(messageCost(card, { category: 'marketing', type: null, model: 'CBP', billable: false }, '79161234567', new Date('2026-11-01T00:00:00Z'))).toBe(0);
    expect(messageCost(card, { category: 'marketing', type: null, model: 'CBP', billable: true }, '79161234567', new Date('2026-11-01T00:00:00Z'))).toBe(
      0.0802,
    );
  });

  it('pricing read from real status webhooks (per-message and the legacy conversation-based shape)', () => {
    expect(pricingOf({ id: 'w', status: 'delivered', pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' } })).toEqual({
      category: 'marketing',
      type: 'regular',
      model: 'PMP',
      billable: true,
    });
    expect(pricingOf({ id: 'w', status: 'delivered', pricing: { billable: true, pricing_model: 'CBP', category: 'service' } })).toEqual({
      category: 'service',
      type: null,
      model: 'CBP',
      billable: true,
    });
    expect(pricingOf({ id: 'w', status: 'read' })).toBeNull();
  });

  it('mistakes name file:line', () => {
    expect(() => loadRateCard(file(CARD.replace('utility: 0.015', 'utility: cheap')))).toThrow(TemplateError);
    expect(() => loadRateCard(file(CARD.replace('utility: 0.015', 'utility: cheap')))).toThrow(/rates\.yaml:13:16: rates\.KZ\.1\.utility: /);
    expect(() => loadRateCard(file(CARD.replace('- from: 2026-10-01', '- from: 2026-06-01')))).toThrow(
      /rates\.yaml:11:13: rates\.KZ\.1\.from: rates are listed oldest first/,
    );
    expect(() => loadRateCard(file(CARD.replace('  RU: ["7"]\n', '')))).toThrow(/rates\.RU: RU has rates but no number prefixes under countries/);
    expect(() => loadRateCard(file(CARD.replace('currency: USD', 'currency: KZT')))).toThrow(/rates\.yaml:2:11: currency: /);
  });
});
