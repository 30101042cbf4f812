import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { checkTemplates, loadTemplates, TEMPLATES_FILE } from '../../src/meta-templates/message-templates.ts';
import { TemplateRegistry } from '../../src/meta-templates/registry.ts';
import { backends } from '../helpers/backends.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const fixturesDir = new URL('../fixtures/cloud-api/', import.meta.url);
/** Every real webhook payload we have: inbound messages, statuses, template updates. */
const webhookFixtures = readdirSync(fixturesDir)
  .filter((f) => /^(inbound_|status_|template_status_)/.test(f))
  .map((f) => JSON.parse(readFileSync(new URL(f, fixturesDir), 'utf8')) as unknown);

/** Replaces the node at position `at` (in walk order) with `value`: a real payload, broken in one place. */
function mutate(doc: unknown, at: number, value: unknown): unknown {
  let i = 0;
  const walk = (node: unknown): unknown => {
    if (i++ === at) return value;
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  const out = walk(doc);
  return out;
}

const mutatedWebhook = fc
  .record({
    fixture: fc.nat({ max: webhookFixtures.length - 1 }),
    edits: fc.array(fc.record({ at: fc.nat({ max: 60 }), value: fc.jsonValue({ maxDepth: 3 }) }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ fixture, edits }) => edits.reduce((doc, e) => mutate(doc, e.at, e.value), webhookFixtures[fixture]));

/**
 * Property-based fuzzing of the two parsers that take outside input: the webhook (from Meta,
 * or anyone who finds the URL) and the merchandisers' template YAML. Neither may crash or
 * answer 5xx, whatever arrives.
 */
describe('fuzz: webhook parser', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: backends()[0]! });
  });
  afterAll(() => h?.close());

  const statuses: Record<number, number> = {};
  const post = async (body: string | Uint8Array, signed = true) => {
    const r = await h.post(
      typeof body === 'string' ? body : Buffer.from(body).toString('latin1'),
      signed ? {} : { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
    );
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return r.status;
  };

  it('real payloads broken in up to four places: 200 or 400, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedWebhook, async (doc) => {
        expect([200, 400]).toContain(await post(JSON.stringify(doc)));
      }),
      { numRuns: RUNS },
    );
  });

  it('any JSON value, any text, any bytes: 200 or 400; unsigned: 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 2000 }),
        ),
        async (body) => {
          expect([200, 400]).toContain(await post(body));
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(mutatedWebhook, async (doc) => {
        expect(await post(JSON.stringify(doc), false)).toBe(401);
      }),
      { numRuns: 50 },
    );
    expect((await h.app.request('/healthz')).status).toBe(200);
    console.log(
      `[fault] fuzz webhook: ${Object.values(statuses).reduce((a, b) => a + b, 0)} bodies posted; answers ${JSON.stringify(statuses)}; no 5xx, service healthy`,
    );
    expect(Object.keys(statuses).filter((s) => Number(s) >= 500)).toEqual([]);
  });
});

describe('fuzz: template loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vt-fuzz-'));
  const good = readFileSync(TEMPLATES_FILE, 'utf8');
  let n = 0;
  const tally = { ok: 0, problems: 0 };

  /** The shipped file edited the ways people break YAML: cut, pasted, retyped, re-indented. */
  const editedYaml = fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), len: fc.nat({ max: 200 }) }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          text: fc.oneof(
            fc.string(),
            fc.constantFrom(':', '- ', '  ', '\t', '"', "'", '{{', '}}', '&a', '*a', '!!binary', '\n', '---', '#', '[', ']', '{', '}', '|', '>', '?'),
          ),
        }),
        fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.nat({ max: 400 }) }),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((edits) =>
      edits.reduce((text, e) => {
        const at = e.at % (text.length + 1);
        if (e.kind === 'cut') return text.slice(0, at) + text.slice(at + e.len);
        if (e.kind === 'insert') return text.slice(0, at) + e.text + text.slice(at);
        return text.slice(0, at) + text.slice(at, at + e.len) + text.slice(at);
      }, good),
    );

  it('any edit of the file: problems with a position, or a valid set; never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(editedYaml, fc.string({ unit: 'binary', maxLength: 3000 })), (text) => {
        const file = join(dir, `t${n++}.yaml`);
        writeFileSync(file, text);
        const { problems } = checkTemplates(file);
        if (problems.length) tally.problems++;
        else tally.ok++;
        for (const p of problems) expect(p).toMatchObject({ file, line: expect.any(Number), col: expect.any(Number), message: expect.any(String) });
        try {
          loadTemplates(file);
        } catch (err) {
          expect(err).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    console.log(
      `[fault] fuzz templates: ${tally.ok + tally.problems} files checked; ${tally.problems} refused with file:line:col, ${tally.ok} valid; no crash`,
    );
  });

  it('a broken edit on hot reload keeps the last good set', () => {
    const file = join(dir, 'live.yaml');
    writeFileSync(file, good);
    const registry = new TemplateRegistry({ path: file, log: pino({ level: 'silent' }) });
    const before = [...registry.current().keys()];
    fc.assert(
      fc.property(editedYaml, (text) => {
        writeFileSync(file, text);
        const reloaded = registry.reload();
        if (!reloaded) expect([...registry.current().keys()]).toEqual(before);
        writeFileSync(file, good);
        expect(registry.reload()).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
