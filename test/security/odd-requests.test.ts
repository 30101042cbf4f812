import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../src/analytics/analytics-report.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/**
 * Requests a client gets wrong on purpose or by accident: each has a defined 4xx, a log line and
 * no crash. Add a row when a new one is found.
 */
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const ODD: Array<{ what: string; method?: string; path: string; body?: string; admin?: boolean; signed?: boolean; status: number }> = [
  { what: 'a report table named like a prototype key', path: '/admin/api/analytics?table=constructor', admin: true, status: 404 },
  { what: 'a report table named __proto__', path: '/admin/api/analytics?table=__proto__', admin: true, status: 400 },
  { what: 'a catalog file with broken percent-encoding', path: '/catalog-files/%', status: 400 },
  { what: 'a catalog file with a bad escape inside', path: '/catalog-files/a%E0%A4%A.jpg', status: 400 },
  { what: 'a signed webhook nested 5,000 deep', method: 'POST', path: '/webhook', body: nested(5000), signed: true, status: 400 },
  {
    what: 'a signed webhook nested 65 deep',
    method: 'POST',
    path: '/webhook',
    body: `{"object":"whatsapp_business_account","entry":[${nested(63)}]}`,
    signed: true,
    status: 400,
  },
  { what: 'an invoice name that is not a token', path: '/invoices/..%2F..%2Fetc%2Fpasswd.pdf', status: 404 },
];

describe.each(backends())('odd requests: a 4xx, never a 5xx ($name)', (backend) => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    h = await startHarness({ backend, env: { ADMIN_TOKEN: 'adm' }, build: { log: pino({ level: 'info' }, sink) } });
  });
  afterAll(() => h?.close());

  for (const r of ODD)
    it(`${r.what}: ${r.status}`, async () => {
      const headers: Record<string, string> = r.admin ? { authorization: 'Bearer adm' } : {};
      const res = r.signed ? await h.post(r.body!) : await h.app.request(r.path, { method: r.method ?? 'GET', headers, ...(r.body ? { body: r.body } : {}) });
      expect(res.status).toBe(r.status);
      expect((await res.json()).error.code).toEqual(expect.any(String));
    });

  it('a refused request logs its path with the phone number masked, and its reason under its own key', async () => {
    lines.length = 0;
    const res = await h.app.request('/admin/api/shoppers/+77011234567/export');
    expect(res.status).toBe(401);
    const line = lines.find((l) => l.includes('request refused'))!;
    expect(line).not.toContain('77011234567');
    expect(line.match(/"msg":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'request refused',
      path: '/admin/api/shoppers/7701***4567/export',
      code: 'unauthorized',
      reason: expect.any(String),
    });
  });
});

describe('CSV exports', () => {
  it('a text cell Excel would run as a formula is neutralised as OWASP advises; numbers, and ordinary text, are as they were', () => {
    const csv = toCsv({
      columns: ['name', 'n'],
      rows: [
        ['=HYPERLINK("http://x","y")', 1],
        ['+77011234567', -5],
        ['-2+3', 0],
        ['@SUM(A1)', 2],
        ['\tTab', 3],
        ['Диван «Осло», серый', 4],
        ['plain', null],
      ],
    });
    expect(csv.split('\r\n')).toEqual([
      'name,n',
      `"'=HYPERLINK(""http://x"",""y"")",1`,
      `"'+77011234567",-5`,
      `"'-2+3",0`,
      `"'@SUM(A1)",2`,
      `"'\tTab",3`,
      '"Диван «Осло», серый",4',
      'plain,',
      '',
    ]);
  });
});
