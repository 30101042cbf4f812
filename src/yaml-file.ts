import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { TemplateError } from './errors.ts';
import type { Logger } from './log.ts';

/**
 * Reads a YAML file merchandisers edit and checks it against a schema. Any problem is a
 * TemplateError that names `file:line:col`: of the syntax error, or of the value a schema
 * issue points at (the nearest node that exists), with the issue's path in the message.
 */
export function readYamlFile<S extends z.ZodType>(path: URL | string, schema: S): z.infer<S> {
  const file = path instanceof URL ? path.pathname : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TemplateError((err as Error).message.split('\n')[0]!, file);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = lines.linePos(syntax.pos[0]);
    throw new TemplateError(syntax.message.split('\n')[0]!, file, pos.line, pos.col);
  }
  const r = schema.safeParse(doc.toJS());
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path_ = issue.path as Array<string | number>;
  let node: Node | undefined;
  for (let i = path_.length; i >= 0 && !node?.range; i--) node = doc.getIn(path_.slice(0, i), true) as Node | undefined;
  const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
  const all = r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
  throw new TemplateError(all, file, pos?.line, pos?.col);
}

/**
 * A merchant's file in use: read at start, re-read when saved (editors write in several steps,
 * so it settles for 200 ms first); a broken edit is logged with its position and the last good
 * value stays.
 */
export class HotReloaded<T> {
  private value: T;
  private watcher: FSWatcher | null = null;

  constructor(private readonly hot: { file: URL | string; load: () => T; log: Logger; what: string; describe?: (value: T) => Record<string, unknown> }) {
    this.value = hot.load();
  }

  current(): T {
    return this.value;
  }

  /** Re-reads the file; true when the new value is in use. */
  reload(): boolean {
    try {
      this.value = this.hot.load();
      this.hot.log.info(this.hot.describe?.(this.value) ?? {}, `${this.hot.what} reloaded`);
      return true;
    } catch (err) {
      this.hot.log.error({ err: (err as Error).message }, `${this.hot.what} not reloaded: keeping the last good one`);
      return false;
    }
  }

  watch(): void {
    let timer: NodeJS.Timeout | undefined;
    this.watcher = watch(this.hot.file, () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 200);
    });
    this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
  }
}
