/**
 * Whether an error means "the database cannot be reached now" (a restart, a failover, the
 * network) rather than a bug or a bad statement. Requests that meet one answer 503; background
 * ticks log it once per outage and try again on their next tick.
 *
 * postgres.js rejects with the socket's own error (ECONNREFUSED, ECONNRESET…) or one of its
 * codes (CONNECTION_CLOSED…); the server, while shutting down or starting, with SQLSTATE class
 * 08 (connection exception) or 57P01–57P03. drizzle wraps either in `cause`.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const DRIVER_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
const SQLSTATES = /^(08...|57P0[123])$/;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || DRIVER_CODES.has(code) || SQLSTATES.test(code))) return true;
    // AggregateError (a host with several addresses): every attempt refused
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length && errors.every(isDatabaseUnavailable)) return true;
  }
  return false;
}
