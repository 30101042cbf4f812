import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../log.ts';
import { loadTemplates, TEMPLATES_FILE, type TemplateSet } from './message-templates.ts';

/**
 * The templates in use. Reloaded when the YAML changes; a broken edit is logged with its
 * position and the last good set stays in use.
 */
export class TemplateRegistry {
  private set: TemplateSet;
  private watcher: FSWatcher | null = null;

  constructor(private readonly opts: { path?: URL | string; log: Logger }) {
    this.set = loadTemplates(opts.path ?? TEMPLATES_FILE);
  }

  current(): TemplateSet {
    return this.set;
  }

  /** Re-reads the file; true when the new set is in use. */
  reload(): boolean {
    try {
      this.set = loadTemplates(this.opts.path ?? TEMPLATES_FILE);
      this.opts.log.info({ templates: this.set.size }, 'templates reloaded');
      return true;
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'templates not reloaded: keeping the last good set');
      return false;
    }
  }

  watch(): void {
    const path = this.opts.path ?? TEMPLATES_FILE;
    let timer: NodeJS.Timeout | null = null;
    // Editors save in several writes: settle for a moment before reading.
    this.watcher = watch(path, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 200);
    });
    this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
  }
}
