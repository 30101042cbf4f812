import { iso, sql, type Db } from '../db/database.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import { TEMPLATE_LANGS, type MessageTemplate, type TemplateLang, type TemplateSet } from './message-templates.ts';

const params = (text: string | undefined) => [...(text ?? '').matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!);

/** The body of `POST /{WABA_ID}/message_templates` for one language (named parameters). */
export function metaTemplate(t: MessageTemplate, lang: TemplateLang) {
  const l = t.languages[lang];
  const named = (text: string | undefined) => params(text).map((p) => ({ param_name: p, example: t.examples[p]! }));
  const components: Array<Record<string, unknown>> = [];
  if (l.header) {
    components.push({
      type: 'HEADER',
      format: 'TEXT',
      text: l.header,
      ...(named(l.header).length ? { example: { header_text_named_params: named(l.header) } } : {}),
    });
  }
  components.push({ type: 'BODY', text: l.body, ...(named(l.body).length ? { example: { body_text_named_params: named(l.body) } } : {}) });
  if (l.footer) components.push({ type: 'FOOTER', text: l.footer });
  if (l.buttons.length) {
    components.push({
      type: 'BUTTONS',
      buttons: l.buttons.map((b) =>
        b.type === 'quick_reply'
          ? { type: 'QUICK_REPLY', text: b.text }
          : b.type === 'url'
            ? { type: 'URL', text: b.text, url: b.url }
            : { type: 'PHONE_NUMBER', text: b.text, phone_number: b.phone_number },
      ),
    });
  }
  return { name: t.name, language: lang, category: t.category, parameter_format: 'named', components };
}

interface MetaListed {
  id: string;
  name: string;
  language?: string;
  status: string;
  category?: string;
  components?: Array<{ type: string; text?: string }>;
}

/** Every template Meta has for the WABA, following the paging cursors. */
export async function listMetaTemplates(client: WhatsAppClient, wabaId: string): Promise<MetaListed[]> {
  const out: MetaListed[] = [];
  let page = await client.graphGet<{ data: MetaListed[]; paging?: { next?: string } }>(`${wabaId}/message_templates`, {
    fields: 'id,name,language,status,category,components',
    limit: '100',
  });
  for (;;) {
    out.push(...page.data);
    if (!page.paging?.next) return out;
    page = await client.graphGetUrl(page.paging.next);
  }
}

async function record(db: Db, rows: Array<{ name: string; language: string; status: string; category?: string; id?: string }>, now: Date) {
  for (const r of rows) {
    await db.execute(
      sql`insert into templates (name, language, meta_id, category, status, updated_at)
      values (${r.name}, ${r.language}, ${r.id ?? null}, ${r.category ?? null}, ${r.status}, ${iso(now)}::timestamptz)
      on conflict (name, language) do update set status = excluded.status, meta_id = coalesce(excluded.meta_id, templates.meta_id),
        category = coalesce(excluded.category, templates.category), updated_at = excluded.updated_at`,
    );
  }
}

export interface SyncReport {
  created: Array<{ name: string; language: string; id: string; status: string }>;
  differences: Array<{ name: string; language: string; component: string; ours: string; meta: string }>;
  unchanged: number;
}

/**
 * Creates the templates Meta does not have yet and lists where Meta's approved text differs
 * from the YAML (an edit has to go through review again; this never edits silently).
 */
export async function syncTemplates(opts: { client: WhatsAppClient; wabaId: string; db: Db; templates: TemplateSet; now: Date }): Promise<SyncReport> {
  const meta = await listMetaTemplates(opts.client, opts.wabaId);
  const report: SyncReport = { created: [], differences: [], unchanged: 0 };
  for (const t of opts.templates.values()) {
    for (const lang of TEMPLATE_LANGS) {
      const theirs = meta.find((m) => m.name === t.name && (m.language ?? lang) === lang);
      const ours = metaTemplate(t, lang);
      if (!theirs) {
        const res = await opts.client.graphPost<{ id: string; status: string; category: string }>(`${opts.wabaId}/message_templates`, ours);
        report.created.push({ name: t.name, language: lang, id: res.id, status: res.status });
        await record(opts.db, [{ name: t.name, language: lang, status: res.status, category: res.category, id: res.id }], opts.now);
        continue;
      }
      let same = true;
      for (const c of ours.components) {
        const text = (c as { text?: string }).text;
        if (text === undefined) continue;
        const m = theirs.components?.find((x) => x.type.toUpperCase() === c.type);
        if (m?.text !== text) {
          same = false;
          report.differences.push({ name: t.name, language: lang, component: String(c.type), ours: text, meta: m?.text ?? '(none)' });
        }
      }
      if (same) report.unchanged++;
      await record(opts.db, [{ name: t.name, language: lang, status: theirs.status, category: theirs.category, id: theirs.id }], opts.now);
    }
  }
  return report;
}

/** Meta's approval state of each template language, recorded for the send-time check. */
export async function templatesStatus(opts: { client: WhatsAppClient; wabaId: string; db: Db; templates: TemplateSet; now: Date }) {
  const meta = await listMetaTemplates(opts.client, opts.wabaId);
  const rows = [...opts.templates.values()].flatMap((t) =>
    TEMPLATE_LANGS.map((lang) => {
      const m = meta.find((x) => x.name === t.name && (x.language ?? lang) === lang);
      return { key: t.key, name: t.name, language: lang, status: m?.status ?? 'MISSING', id: m?.id };
    }),
  );
  await record(
    opts.db,
    rows.filter((r) => r.status !== 'MISSING'),
    opts.now,
  );
  return rows;
}
