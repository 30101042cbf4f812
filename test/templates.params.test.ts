import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadTemplates, TEMPLATE_LANGS, templateMessage } from '../src/meta-templates/message-templates.ts';
import { LIMITS } from '../src/whatsapp/limits.ts';
import { refusal } from './fakes/graph-api.ts';

const templates = [...loadTemplates().values()];
const names = (text: string | undefined) => [...(text ?? '').matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!);
const filled = (text: string, params: Array<{ parameter_name: string; text: string }>) =>
  text.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/g, (_, k: string) => params.find((p) => p.parameter_name === k)!.text);

describe('template parameters Meta accepts (132018 and the component limits)', () => {
  const hostile = [
    '🧑 хочу диван\n🤖 Вот что нашлось\n\n⭐ budget up to 300000 KZT',
    'tab\tseparated\r\nwindows lines',
    'many      spaces    here',
    '\n\n  \t',
    'x'.repeat(3000),
    '👨‍👩‍👧'.repeat(800),
  ];

  for (const t of templates) {
    for (const lang of TEMPLATE_LANGS) {
      it(`${t.key} · ${lang}: any value goes out flat and within the limits`, () => {
        const l = t.languages[lang];
        const used = [...new Set([...names(l.body), ...names(l.header)])];
        fc.assert(
          fc.property(
            fc.array(fc.oneof(fc.constantFrom(...hostile), fc.string({ unit: 'grapheme', maxLength: 400 })), {
              minLength: used.length,
              maxLength: used.length,
            }),
            (vals) => {
              const values = Object.fromEntries(used.map((k, i) => [k, `${vals[i]}!`]));
              const msg = templateMessage(t, lang, values);
              if (msg.type !== 'template') throw new Error('not a template');
              const body = msg.template;
              expect(refusal({ template: body })).toBeNull();
              const comps = (body.components ?? []) as Array<{ type: string; parameters: Array<{ type: string; parameter_name: string; text: string }> }>;
              const bodyParams = comps.find((c) => c.type === 'body')?.parameters ?? [];
              expect(filled(l.body, bodyParams).length).toBeLessThanOrEqual(LIMITS.templateBody);
              if (names(l.header).length) {
                const headerParams = comps.find((c) => c.type === 'header')!.parameters;
                expect(filled(l.header!, headerParams).length).toBeLessThanOrEqual(LIMITS.templateHeader);
              }
              for (const p of [...bodyParams]) expect(p.text.length).toBeGreaterThan(0);
            },
          ),
          { numRuns: 60 },
        );
      });
    }
  }

  it('a digest of several lines reads as one line with its parts kept', () => {
    const t = templates.find((x) => x.key === 'escalation_new')!;
    const msg = templateMessage(t, 'ru', {
      customer: 'Айгерим (77011234567)',
      reason: 'просит\tменеджера',
      summary: '🧑 хочу диван\n🤖 Вот что нашлось\n\n⭐ budget   up      to 300000 KZT',
    });
    expect(msg).toMatchObject({
      template: {
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', parameter_name: 'customer', text: 'Айгерим (77011234567)' },
              { type: 'text', parameter_name: 'reason', text: 'просит менеджера' },
              { type: 'text', parameter_name: 'summary', text: '🧑 хочу диван · 🤖 Вот что нашлось · ⭐ budget up to 300000 KZT' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'tpl:escalation_new:0' }] },
        ],
      },
    });
  });

  it('a value that is only white space is missing, as Meta would refuse it', () => {
    const t = templates.find((x) => x.key === 'back_in_stock')!;
    expect(() => templateMessage(t, 'en', { product_name: '\n \t', price: '1 ₸' })).toThrow(/no value for product_name/);
  });
});
