import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { query, sql } from '../src/db/database.ts';
import { metaTemplate, syncTemplates, templatesStatus } from '../src/meta-templates/meta-sync.ts';
import { WhatsAppClient } from '../src/whatsapp/client.ts';
import { backends, fakeGraphFor } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const run = promisify(execFile);

describe.each(backends())('templates at Meta ($name)', (backend) => {
  const graph = fakeGraphFor(backend);
  let h: Harness;
  afterEach(() => h?.close());

  it('sync creates what Meta lacks, then reports differences instead of editing; status records approval', async () => {
    h = await startHarness({ backend, graphUrl: graph.url });
    graph.templates.length = 0;
    const client = new WhatsAppClient({ baseUrl: graph.url, version: 'v23.0', token: 'test-token' });
    const args = () => ({ client, wabaId: 'waba-1', db: h.services.database.db, templates: h.services.templates.current(), now: h.clock.now() });

    const first = await syncTemplates(args());
    expect(first.created).toHaveLength(36);
    const t = h.services.templates.current().get('price_alert_notification')!;
    expect(graph.templatePosts.find((p) => p.name === 'price_alert_notification' && p.language === 'ru')).toEqual(metaTemplate(t, 'ru'));
    expect(metaTemplate(t, 'ru').components[1]).toEqual({
      type: 'BODY',
      text: 'Хорошая новость! {{product_name}} теперь стоит {{new_price}} (было {{old_price}}).',
      example: {
        body_text_named_params: [
          { param_name: 'product_name', example: 'Диван угловой «Осло» серый' },
          { param_name: 'new_price', example: '149 990 ₸' },
          { param_name: 'old_price', example: '169 990 ₸' },
        ],
      },
    });

    // Meta approves one and holds a different text for another; paging is followed (limit 100 > 15, so force small pages)
    graph.templates.find((x) => x.name === 'back_in_stock' && x.language === 'ru')!.status = 'APPROVED';
    graph.templates.find((x) => x.name === 'escalation_new' && x.language === 'en')!.components.find((c) => c.type === 'BODY')!.text = 'Old text';
    const second = await syncTemplates(args());
    expect(second.created).toEqual([]);
    expect(second.differences).toEqual([
      { name: 'escalation_new', language: 'en', component: 'BODY', ours: 'Shopper: {{customer}}\nReason: {{reason}}\n\n{{summary}}', meta: 'Old text' },
    ]);
    expect(second.unchanged).toBe(35);

    const status = await templatesStatus(args());
    expect(status.find((r) => r.name === 'back_in_stock' && r.language === 'ru')!.status).toBe('APPROVED');
    const rows = await query<{ status: string }>(h.services.database.db, sql`select status from templates where name = 'back_in_stock' and language = 'ru'`);
    expect(rows).toEqual([{ status: 'APPROVED' }]);
  });

  it('a template status webhook updates the recorded state', async () => {
    h = await startHarness({ backend });
    const body = JSON.parse(readFileSync(new URL('./fixtures/cloud-api/template_status_update_approved.json', import.meta.url), 'utf8'));
    body.entry[0].changes[0].value.event = 'REJECTED';
    expect((await h.post(body)).status).toBe(200);
    const rows = await query<{ name: string; language: string; status: string; meta_id: string }>(
      h.services.database.db,
      sql`select name, language, status, meta_id from templates`,
    );
    expect(rows).toEqual([{ name: 'order_confirmation', language: 'en-US', status: 'REJECTED', meta_id: '1689556908129832' }]);
  });
});

describe('templates sync and status from the CLI', () => {
  const backend = backends()[0]!;
  const graph = fakeGraphFor(backend);
  it('prints what it created and the approval state', async () => {
    graph.templates.length = 0;
    const env = {
      ...process.env,
      DATA_DIR: join(mkdtempSync(join(tmpdir(), 'vt-sync-')), 'data'),
      WHATSAPP_TOKEN: 't',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      WHATSAPP_PHONE_NUMBER_ID: '1',
      WHATSAPP_WABA_ID: 'waba-9',
      WHATSAPP_API_URL: graph.url,
    };
    const sync = await run(process.execPath, ['bin/vitrina.js', 'templates', 'sync'], { env });
    expect(sync.stdout).toContain('created  price_alert_notification (ru) id ');
    expect(sync.stdout.trim().split('\n').at(-1)).toBe('36 created, 0 differences, 0 unchanged');
    const status = await run(process.execPath, ['bin/vitrina.js', 'templates', 'status'], { env });
    expect(status.stdout.split('\n').filter(Boolean)).toHaveLength(36);
    expect(status.stdout).toMatch(/^PENDING {3}price_alert_notification \(ru\) id \d+$/m);
    const noToken = await run(process.execPath, ['bin/vitrina.js', 'templates', 'status'], { env: { ...process.env, DATA_DIR: env.DATA_DIR } }).catch((e) => e);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('set WHATSAPP_TOKEN and WHATSAPP_WABA_ID');
  });
});
