import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; the CLI passes `stderr: true` so its stdout stays the command's answer. */
export function createLogger(opts: { level: string; name?: string; stderr?: boolean }): Logger {
  return pino(
    {
      name: opts.name ?? 'vitrina',
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(opts.stderr ? 2 : 1),
  );
}

/** "77011234567" → "7701***4567". Logs never carry a full phone number or user id. */
export function maskId(id: string | null | undefined): string {
  if (!id) return '-';
  if (id.length <= 6) return '***';
  return `${id.slice(0, 4)}***${id.slice(-4)}`;
}

/** A request path as logs carry it: a phone number or user id in it is masked (/admin/api/shoppers/7701***4567/export). */
export function maskPath(path: string): string {
  return path.replace(/(?:%2B|\+)?\d{7,}/gi, (m) => maskId(m.replace(/^(%2B|\+)/i, '')));
}
