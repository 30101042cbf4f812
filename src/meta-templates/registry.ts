import type { Logger } from '../log.ts';
import { HotReloaded } from '../yaml-file.ts';
import { loadTemplates, TEMPLATES_FILE, type TemplateSet } from './message-templates.ts';

/**
 * The templates in use. Reloaded when the YAML changes; a broken edit is logged with its
 * position and the last good set stays in use.
 */
export class TemplateRegistry extends HotReloaded<TemplateSet> {
  constructor(opts: { path?: URL | string; log: Logger }) {
    const file = opts.path ?? TEMPLATES_FILE;
    super({ file, load: () => loadTemplates(file), log: opts.log, what: 'templates', describe: (set) => ({ templates: set.size }) });
  }
}
