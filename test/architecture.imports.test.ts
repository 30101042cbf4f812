import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const imports = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1]!);

describe('the layers depend one way', () => {
  it('core/ reaches the platform only through core/ports.ts', () => {
    const leaks = files('core')
      .filter((f) => !f.endsWith('ports.ts'))
      .flatMap((f) =>
        imports(f)
          .filter((i) => i.includes('/src/') || i.includes('/handlers/'))
          .map((i) => `${f} → ${i}`),
      );
    expect(leaks).toEqual([]);
  });

  it('core/ is decisions: it imports no database, SQL, model client, Redis or file system, and ports export it none', () => {
    // the platform's packages; core reaches them only through the type-only ports and the
    // functions src/ lends it there (the model: src/model/chat.ts, over OpenAI in openai-chat.ts)
    const PLATFORM = /^(drizzle-orm|postgres|@electric-sql\/pglite|ioredis|openai|node:fs|fs)(\/|$)/;
    const leaks = files('core').flatMap((f) =>
      imports(f)
        .filter((i) => PLATFORM.test(i))
        .map((i) => `${f} → ${i}`),
    );
    expect(leaks).toEqual([]);
    const ports = readFileSync(join(ROOT, 'core/ports.ts'), 'utf8');
    expect(ports).not.toMatch(/export \{[^}]*\b(sql|query)\b[^}]*\} from '\.\.\/src\/db\//);
    expect(ports).not.toMatch(/from '\.\.\/src\/db\/schema/);
    // repositories reach core as services typed by their shape, never as functions it imports
    expect(ports).not.toMatch(/^export \{[^}]*\} from '\.\.\/src\/[^']*(-repo|recommendations)\.ts'/m);
    expect(ports).not.toMatch(/^import \{[^}]*\} from '\.\.\/src\/[^']*(-repo|recommendations)\.ts'/m);
  });

  it('src/ imports core/ and handlers/ only where services are built', () => {
    const leaks = files('src')
      .filter((f) => !f.startsWith(join('src', 'services') + '/'))
      .flatMap((f) =>
        imports(f)
          .filter((i) => /(^|\/)(core|handlers)\//.test(i))
          .map((i) => `${f} → ${i}`),
      );
    expect(leaks).toEqual([]);
  });
});
