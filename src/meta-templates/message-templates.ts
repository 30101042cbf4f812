import { LANGS, type Lang } from '../lang.ts';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { TemplateError } from '../errors.ts';
import { fitParams, flattenParam, LIMITS } from '../whatsapp/limits.ts';
import * as wa from '../whatsapp/messages.ts';
import { encodePayload } from '../whatsapp/payloads.ts';

export const TEMPLATES_FILE = new URL('../../templates/message_templates.yaml', import.meta.url);
export const TEMPLATE_LANGS = LANGS;

const button = z.discriminatedUnion('type', [
  z.object({ type: z.literal('quick_reply'), text: z.string().min(1).max(25, 'quick-reply text is at most 25 characters') }),
  z.object({ type: z.literal('url'), text: z.string().min(1).max(25), url: z.string().url() }),
  z.object({ type: z.literal('phone_number'), text: z.string().min(1).max(25), phone_number: z.string().max(20) }),
]);

const localized = z.object({
  header: z.string().min(1).max(60, 'header is at most 60 characters').optional(),
  body: z.string().min(1).max(1024, 'body is at most 1024 characters'),
  footer: z.string().min(1).max(60, 'footer is at most 60 characters').optional(),
  buttons: z.array(button).max(10, 'at most 10 buttons').default([]),
});

const template = z.object({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'Meta template names are lowercase letters, digits and _'),
  category: z.enum(['UTILITY', 'MARKETING']),
  examples: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are lowercase letters, digits and _'), z.string().min(1)).default({}),
  languages: z.object({ ru: localized, kk: localized, en: localized }),
});

const fileSchema = z.record(z.string().regex(/^[a-z0-9_]+$/), template);

export type MessageTemplate = z.infer<typeof template> & { key: string };
export type TemplateSet = Map<string, MessageTemplate>;
export type TemplateLang = Lang;

export interface TemplateProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

const params = (text: string | undefined) => [...(text ?? '').matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!);

/**
 * Reads and checks the template file: the zod shape plus Meta's rules (name charset, header ≤60
 * with at most one parameter, body ≤1024, footer ≤60, quick replies ≤25, ≤10 buttons, ≤2 URL
 * buttons, the same parameters in every language, an example for each). Every problem carries
 * the file:line:col of the YAML node it is about.
 */
export function checkTemplates(path: URL | string = TEMPLATES_FILE): { templates: TemplateSet; problems: TemplateProblem[] } {
  const file = path instanceof URL ? path.pathname : path;
  const text = readFileSync(path, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const problems: TemplateProblem[] = [];
  const at = (offset: number, message: string) => {
    const { line, col } = lc.linePos(offset);
    problems.push({ file, line, col, message });
  };
  const nodeAt = (p: Array<string | number>): Node | null => {
    for (let i = p.length; i >= 0; i--) {
      const n = doc.getIn(p.slice(0, i), true) as Node | undefined;
      if (n && typeof n === 'object' && 'range' in n && n.range) return n;
    }
    return null;
  };
  const report = (p: Array<string | number>, message: string) => at(nodeAt(p)?.range?.[0] ?? 0, message);

  for (const e of doc.errors) at(e.pos[0], e.message.split('\n')[0]!);
  if (problems.length) return { templates: new Map(), problems };

  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const i of parsed.error.issues) report(i.path as Array<string | number>, `${i.path.join('.')}: ${i.message}`);
    return { templates: new Map(), problems };
  }
  const templates: TemplateSet = new Map();
  for (const [key, t] of Object.entries(parsed.data)) {
    const expected = [...new Set(params(t.languages.ru.body).concat(params(t.languages.ru.header)))].sort();
    for (const lang of TEMPLATE_LANGS) {
      const l = t.languages[lang];
      const found = [...new Set(params(l.body).concat(params(l.header)))].sort();
      for (const p of [...params(l.body), ...params(l.header)]) {
        if (!/^[a-z][a-z0-9_]*$/.test(p)) report([key, 'languages', lang, 'body'], `parameter "{{${p}}}" must be lowercase letters, digits and _`);
        else if (!(p in t.examples)) report([key, 'examples'], `parameter "${p}" has no example`);
      }
      if (params(l.header).length > 1) report([key, 'languages', lang, 'header'], 'a text header takes at most one parameter');
      if (found.join(',') !== expected.join(',')) {
        report([key, 'languages', lang], `${lang} uses parameters [${found.join(', ')}] but ru uses [${expected.join(', ')}]: every language needs the same`);
      }
      if (l.buttons.filter((b) => b.type === 'url').length > 2) report([key, 'languages', lang, 'buttons'], 'at most 2 URL buttons');
      const kinds = l.buttons.map((b) => (b.type === 'quick_reply' ? 'q' : 'o')).join('');
      if (/q+o+q|o+q+o/.test(kinds)) report([key, 'languages', lang, 'buttons'], 'quick replies must be grouped apart from other buttons');
    }
    for (const name of Object.keys(t.examples)) {
      if (!expected.includes(name)) report([key, 'examples', name], `example "${name}" is not used by any text`);
    }
    templates.set(key, { ...t, key });
  }
  return { templates, problems };
}

/** Loads the set or throws the first problem as a TemplateError (start-up, hot reload). */
export function loadTemplates(path: URL | string = TEMPLATES_FILE): TemplateSet {
  const { templates, problems } = checkTemplates(path);
  const p = problems[0];
  if (p) throw new TemplateError(problems.length > 1 ? `${p.message} (and ${problems.length - 1} more)` : p.message, p.file, p.line, p.col);
  return templates;
}

const fill = (text: string, values: Record<string, string>) => text.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/g, (_, k: string) => values[k] ?? `{{${k}}}`);

/** A sent template as the shopper's WhatsApp shows it: the approved texts with the message's values in place. */
export interface ShownTemplate {
  header?: string;
  body: string;
  footer?: string;
  buttons: Array<{ type: 'quick_reply' | 'url' | 'phone_number'; text: string; payload?: string; url?: string }>;
}

/**
 * What WhatsApp draws for a template message: Meta fills the approved texts with the named
 * parameters the message carries, and the quick replies keep the labels they were approved with
 * (the payload only comes back on a tap). null for a name or language not in the set, as Meta
 * would refuse it (132001).
 */
export function shownTemplate(set: TemplateSet, message: wa.OutboundMessage): ShownTemplate | null {
  if (message.type !== 'template') return null;
  const sent = message.template as {
    name: string;
    language: { code: string };
    components?: Array<{ type: string; sub_type?: string; index?: string; parameters?: Array<{ parameter_name?: string; text?: string; payload?: string }> }>;
  };
  const t = [...set.values()].find((x) => x.name === sent.name);
  const l = t && (TEMPLATE_LANGS as readonly string[]).includes(sent.language.code) ? t.languages[sent.language.code as TemplateLang] : null;
  if (!l) return null;
  const comps = sent.components ?? [];
  const values = (type: string) =>
    Object.fromEntries((comps.find((c) => c.type === type)?.parameters ?? []).map((p) => [p.parameter_name ?? '', p.text ?? '']));
  const payload = (i: number) => comps.find((c) => c.type === 'button' && c.index === String(i))?.parameters?.[0]?.payload;
  let quick = 0;
  return {
    ...(l.header ? { header: fill(l.header, values('header')) } : {}),
    body: fill(l.body, values('body')),
    ...(l.footer ? { footer: l.footer } : {}),
    buttons: l.buttons.map((b) =>
      b.type === 'quick_reply'
        ? { type: b.type, text: b.text, payload: payload(quick++) }
        : b.type === 'url'
          ? { type: b.type, text: b.text, url: b.url }
          : { type: b.type, text: b.text },
    ),
  };
}

/** The template as a shopper would see it, with the examples filled in. */
export function preview(t: MessageTemplate, lang: TemplateLang): string {
  const l = t.languages[lang];
  const lines = [`── ${t.name} · ${lang} · ${t.category}`];
  if (l.header) lines.push(`*${fill(l.header, t.examples)}*`);
  lines.push(fill(l.body, t.examples));
  if (l.footer) lines.push(`_${l.footer}_`);
  for (const b of l.buttons) lines.push(`[ ${b.text} ]${b.type === 'url' ? ` → ${b.url}` : ''}`);
  return lines.join('\n');
}

/**
 * The send payload, and the one place template parameters are built: named parameters for
 * header and body, quick replies carrying `payloads` (by button index) so a tap comes back as an
 * action. Every value is made one Meta accepts (flattened: no new line, tab or run of spaces,
 * else 132018) and shortened so the filled header stays within 60 characters and the body
 * within 1024. A missing value is an error: Meta would answer 132000 for a parameter mismatch.
 */
export function templateMessage(t: MessageTemplate, lang: TemplateLang, values: Record<string, string>, payloads: string[] = []): wa.OutboundMessage {
  const l = t.languages[lang];
  const flat = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, flattenParam(v ?? '')]));
  const missing = [...params(l.body), ...params(l.header)].filter((p) => !flat[p]);
  if (missing.length) throw new TemplateError(`template ${t.key}: no value for ${missing.join(', ')}`);
  const component = (text: string | undefined, limit: number) => {
    const used = params(text);
    const fixed = (text ?? '').replace(/\{\{\s*[a-z0-9_]+\s*\}\}/g, '').length;
    // a parameter used twice counts twice; equal values get equal cuts
    const fitted = fitParams(Object.fromEntries(used.map((p, i) => [String(i), flat[p]!])), limit - fixed);
    return Object.fromEntries(used.map((p, i) => [p, fitted[String(i)]!]));
  };
  const header = params(l.header).length ? component(l.header, LIMITS.templateHeader) : undefined;
  return wa.template({
    name: t.name,
    language: lang,
    header,
    body: component(l.body, LIMITS.templateBody),
    quickReplies: l.buttons
      .filter((b) => b.type === 'quick_reply')
      .map((_, i) => payloads[i] ?? encodePayload({ kind: 'template', template: t.key, index: i })),
  });
}
