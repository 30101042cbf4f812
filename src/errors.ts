import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable } from './db/unavailable.ts';

/**
 * The closed set of errors Vitrina raises. Everything else is a bug.
 * `toErrorResponse` is the one place they become HTTP answers.
 */
export type ErrorCode =
  | 'config'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'whatsapp_api'
  | 'template'
  | 'media';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly httpStatus: number;
}

export class ConfigError extends AppError {
  readonly code = 'config' as const;
  readonly httpStatus = 500;
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class BadRequestError extends AppError {
  readonly code = 'bad_request' as const;
  readonly httpStatus = 400;
  name = 'BadRequestError';
  /** Field errors of a request body, by path ("products.3.price"). */
  constructor(
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized' as const;
  readonly httpStatus = 401;
  name = 'UnauthorizedError';
}

/** Signed in, but the request came from another site's page (a console write with a foreign Origin). */
export class ForbiddenError extends AppError {
  readonly code = 'forbidden' as const;
  readonly httpStatus = 403;
  name = 'ForbiddenError';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large' as const;
  readonly httpStatus = 413;
  name = 'PayloadTooLargeError';
}

export class NotFoundError extends AppError {
  readonly code = 'not_found' as const;
  readonly httpStatus = 404;
  name = 'NotFoundError';
}

/** The request cannot be done in the state the thing is in (an order already delivered cannot be cancelled). */
export class ConflictError extends AppError {
  readonly code = 'conflict' as const;
  readonly httpStatus = 409;
  name = 'ConflictError';
}

/**
 * The service cannot take the request now (shutting down, database unreachable). Webhooks get
 * a 503 so Meta redelivers, to this instance later or to another one.
 */
export class UnavailableError extends AppError {
  readonly code = 'unavailable' as const;
  readonly httpStatus = 503;
  name = 'UnavailableError';
}

/** Meta error codes worth retrying (throughput, pair rate, transient platform errors). */
const RETRYABLE_META_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131056, 131057, 133004]);

/**
 * A failed Graph API call. `retryable` is decided by Meta's `code`, never the HTTP status
 * (Meta answers 130429 as HTTP 400 in some editions, 429 in others). Without a Meta error
 * body, a 5xx, a timeout or a network failure is retryable.
 */
export class WhatsAppApiError extends AppError {
  readonly code = 'whatsapp_api' as const;
  readonly httpStatus = 502;
  readonly metaCode: number | null;
  readonly details: string | null;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly fbtraceId: string | null;
  constructor(opts: {
    message: string;
    metaCode?: number | null;
    details?: string | null;
    status?: number | null;
    fbtraceId?: string | null;
    retryable?: boolean;
  }) {
    super(opts.message);
    this.name = 'WhatsAppApiError';
    this.metaCode = opts.metaCode ?? null;
    this.details = opts.details ?? null;
    this.status = opts.status ?? null;
    this.fbtraceId = opts.fbtraceId ?? null;
    this.retryable = opts.retryable ?? (this.metaCode !== null ? RETRYABLE_META_CODES.has(this.metaCode) : this.status === null || this.status >= 500);
  }

  /** Builds the error from Graph's `{ error: {...} }` body (or anything else it answered). */
  static fromResponse(status: number, body: unknown): WhatsAppApiError {
    const err = (body as { error?: Record<string, unknown> } | null)?.error;
    if (err && typeof err === 'object') {
      const data = err.error_data as { details?: string } | undefined;
      return new WhatsAppApiError({
        message: String(err.message ?? `Graph API error (HTTP ${status})`),
        metaCode: typeof err.code === 'number' ? err.code : null,
        details: data?.details ?? null,
        status,
        fbtraceId: typeof err.fbtrace_id === 'string' ? err.fbtrace_id : null,
      });
    }
    return new WhatsAppApiError({ message: `Graph API answered HTTP ${status} without an error body`, status });
  }
}

export class TemplateError extends AppError {
  readonly code = 'template' as const;
  readonly httpStatus = 422;
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(file ? `${file}:${line ?? 0}:${col ?? 0}: ${message}` : message);
    this.name = 'TemplateError';
  }
}

/** Media we were sent that cannot be used: over the size cap, or not what its hash says. */
export class MediaError extends AppError {
  readonly code = 'media' as const;
  readonly httpStatus = 422;
  constructor(
    message: string,
    readonly problem: 'too_large' | 'corrupt',
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

export type ErrorBody = { error: { code: string; message: string; requestId: string; fields?: Record<string, string[]> } };

/** Hono's own refusals (bearerAuth, bodyLimit) in our shape. */
const HTTP_CODES: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 413: 'payload_too_large', 404: 'not_found' };

export function toErrorResponse(err: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const fields = err instanceof BadRequestError && err.fields ? { fields: err.fields } : {};
    return { status: err.httpStatus, body: { error: { code: err.code, message: err.message, requestId, ...fields } } };
  }
  if (err instanceof HTTPException && HTTP_CODES[err.status]) {
    return { status: err.status, body: { error: { code: HTTP_CODES[err.status]!, message: err.message || 'refused', requestId } } };
  }
  // a restart or failover of Postgres is not the client's fault and not a bug: come back later
  if (isDatabaseUnavailable(err))
    return { status: 503, body: { error: { code: 'unavailable', message: 'the database is unreachable; try again shortly', requestId } } };
  return { status: 500, body: { error: { code: 'internal', message: 'internal error', requestId } } };
}
