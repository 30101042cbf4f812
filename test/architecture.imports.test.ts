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

  it('src/ imports core/ and handlers/ only where services are built', () => {
    const leaks = files('src')
      .filter((f) => f !== join('src', 'services.ts'))
      .flatMap((f) =>
        imports(f)
          .filter((i) => /(^|\/)(core|handlers)\//.test(i))
          .map((i) => `${f} → ${i}`),
      );
    expect(leaks).toEqual([]);
  });
});
