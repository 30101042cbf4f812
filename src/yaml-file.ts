import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { TemplateError } from './errors.ts';

/**
 * Reads a YAML file merchandisers edit and checks it against a schema. Any problem is a
 * TemplateError that names `file:line:col` (syntax) or the file and the path (shape).
 */
export function readYamlFile<S extends z.ZodType>(path: URL | string, schema: S): z.infer<S> {
  const file = path instanceof URL ? path.pathname : path;
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new TemplateError((err as Error).message.split('\n')[0]!, file, pos?.line, pos?.col);
  }
  const r = schema.safeParse(data);
  if (!r.success) throw new TemplateError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), file);
  return r.data;
}
