import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { checkTemplates, preview, shownTemplate, templateMessage, TEMPLATES_FILE } from '../src/meta-templates/message-templates.ts';
import { TemplateRegistry } from '../src/meta-templates/registry.ts';

const run = promisify(execFile);
const shipped = readFileSync(TEMPLATES_FILE, 'utf8');
const tmp = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'vt-tpl-')), 'message_templates.yaml');
  writeFileSync(file, text);
  return file;
};

describe('message templates', () => {
  it('the shipped file passes: twelve templates in ru, kk and en', () => {
    const { templates, problems } = checkTemplates();
    expect(problems).toEqual([]);
    expect([...templates.keys()]).toEqual([
      'price_alert_notification',
      'back_in_stock',
      'new_arrivals_notification',
      'escalation_new',
      'escalation_message',
      'order_new',
      'order_confirmed',
      'order_paid',
      'order_shipped',
      'order_delivered',
      'order_cancelled',
      'abandoned_cart',
    ]);
  });

  it('problems carry file:line:col', () => {
    const file = tmp(
      shipped
        .replace('name: back_in_stock', 'name: Back-In-Stock')
        .replace('body: "{{product_name}} снова в наличии — {{price}}."', 'body: "{{product_name}} снова в наличии — {{prise}}."')
        .replace('header: Цена снизилась 🔔', 'header: "Цена {{product_name}} снизилась до {{new_price}}"'),
    );
    const { problems } = checkTemplates(file);
    const lines = shipped.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(problems).toEqual([
      { file, line: lineOf('name: back_in_stock'), col: 9, message: 'back_in_stock.name: Meta template names are lowercase letters, digits and _' },
    ]);
    // with the name fixed, the rules run
    const file2 = tmp(
      shipped
        .replace('body: "{{product_name}} снова в наличии — {{price}}."', 'body: "{{product_name}} снова в наличии — {{prise}}."')
        .replace('header: Цена снизилась 🔔', 'header: "Цена {{product_name}} снизилась до {{new_price}}"'),
    );
    const p2 = checkTemplates(file2).problems.map((p) => `${p.line}:${p.col} ${p.message}`);
    expect(p2).toContain(`${lineOf('header: Цена снизилась 🔔')}:15 a text header takes at most one parameter`);
    expect(p2).toContain(`${lineOf('product_name: Кресло «Лофт» зелёное')}:5 parameter "prise" has no example`);
    expect(p2).toContain(
      `${lineOf('body: "{{product_name}} қайтадан сатылымда')}:7 kk uses parameters [price, product_name] but ru uses [prise, product_name]: every language needs the same`,
    );
  });

  it('Meta’s limits: quick replies ≤25, footer ≤60, body ≤1024, ≤10 buttons', () => {
    const long = tmp(
      shipped
        .replace('- { type: quick_reply, text: Show new arrivals }', `- { type: quick_reply, text: ${'x'.repeat(26)} }`)
        .replace('footer: Вы подписались на снижение цены', `footer: ${'я'.repeat(61)}`),
    );
    const messages = checkTemplates(long).problems.map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'price_alert_notification.languages.ru.footer: footer is at most 60 characters',
        'new_arrivals_notification.languages.en.buttons.0.text: quick-reply text is at most 25 characters',
      ]),
    );
  });

  it('preview shows the template as WhatsApp would, with the examples', () => {
    const t = checkTemplates().templates.get('price_alert_notification')!;
    expect(preview(t, 'en')).toBe(
      '── price_alert_notification · en · UTILITY\n*Price drop 🔔*\nGood news! Диван угловой «Осло» серый now costs 149 990 ₸ (was 169 990 ₸).\n_You asked to watch this price_\n[ Show the product ]\n[ Manager ]',
    );
  });

  it('a sent template is drawn from the approved texts with the message’s values; quick replies keep their labels and carry their payloads', () => {
    const set = checkTemplates().templates;
    const msg = templateMessage(
      set.get('price_alert_notification')!,
      'ru',
      { product_name: 'Кресло «Лофт»', new_price: '89\u00a0990 ₸', old_price: '99\u00a0990 ₸' },
      ['p1', 'p2'],
    );
    expect(shownTemplate(set, msg)).toEqual({
      header: 'Цена снизилась 🔔',
      body: 'Хорошая новость! Кресло «Лофт» теперь стоит 89\u00a0990 ₸ (было 99\u00a0990 ₸).',
      footer: 'Вы подписались на снижение цены',
      buttons: [
        { type: 'quick_reply', text: 'Показать товар', payload: 'p1' },
        { type: 'quick_reply', text: 'Менеджер', payload: 'p2' },
      ],
    });
    // a name the store never had approved: nothing to draw (Meta refuses it with 132001)
    expect(shownTemplate(set, { type: 'template', template: { name: 'no_such', language: { code: 'ru' } } })).toBeNull();
    expect(shownTemplate(set, { type: 'text', text: { body: 'x' } })).toBeNull();
  });

  it('the CLI: check exits 1 with positions; preview prints', async () => {
    const bad = tmp(shipped.replace('category: MARKETING', 'category: PROMO'));
    const res = await run(process.execPath, ['bin/vitrina.js', 'templates', 'check'], { env: { ...process.env, TEMPLATES_FILE: bad } }).catch((e) => e);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`^${bad}:\\d+:13: new_arrivals_notification.category: `));
    const ok = await run(process.execPath, ['bin/vitrina.js', 'templates', 'preview', 'back_in_stock', '--lang', 'ru']);
    expect(ok.stdout).toBe('── back_in_stock · ru · UTILITY\nКресло «Лофт» зелёное снова в наличии — 89 990 ₸.\n[ Показать товар ]\n[ Менеджер ]\n');
  });

  it('hot reload: a broken edit is refused and the last good set stays in use', () => {
    const file = tmp(shipped);
    const registry = new TemplateRegistry({ path: file, log: pino({ level: 'silent' }) });
    const before = registry.current();
    writeFileSync(file, shipped.replace('languages:', 'languages: [broken'));
    expect(registry.reload()).toBe(false);
    expect(registry.current()).toBe(before);
    writeFileSync(file, shipped.replace('Цена снизилась 🔔', 'Цена снова ниже 🔔'));
    expect(registry.reload()).toBe(true);
    expect(registry.current().get('price_alert_notification')!.languages.ru.header).toBe('Цена снова ниже 🔔');
  });
});
