import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { BadRequestError, ForbiddenError } from './errors.ts';

/**
 * Who is calling and over what: the client's address and whether it came over HTTPS. Behind a
 * reverse proxy (TRUST_PROXY=on) these are the proxy's X-Forwarded-For (its first address) and
 * X-Forwarded-Proto; otherwise the socket's own, and those headers are ignored — a client could
 * write anything there.
 */
export function requestOrigin(c: Context, trustProxy: boolean): { ip: string; https: boolean } {
  const forwardedFor = trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  const forwardedProto = trustProxy ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined;
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    // no socket: a request made in process (tests, the sandbox)
  }
  return { ip: forwardedFor || socket || 'local', https: forwardedProto ? forwardedProto === 'https' : new URL(c.req.url).protocol === 'https:' };
}

/**
 * A write a signed-in browser makes (the console's sign-in, a manager's console call) comes from
 * this service's own pages: an Origin, when the browser sends one, of this very host, never a
 * cross-site fetch, and a body of JSON (a form post from another site cannot send that). Reads
 * and requests without a body's type pass.
 */
export function ownPageWrite(c: Context, trustProxy: boolean): void {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return;
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    const host = (trustProxy && c.req.header('x-forwarded-host')) || c.req.header('host') || new URL(c.req.url).host;
    let from = '';
    try {
      from = new URL(origin).host;
    } catch {
      // "null" (a sandboxed frame, a file) or garbage: not this host
    }
    if (from !== host) throw new ForbiddenError(`a console write from another site (${origin.slice(0, 100)}) is refused`);
  }
  if (c.req.header('sec-fetch-site') === 'cross-site') throw new ForbiddenError('a cross-site console write is refused');
  const length = c.req.header('content-length');
  const hasBody = length !== undefined ? Number(length) > 0 : c.req.header('transfer-encoding') !== undefined;
  if (hasBody && !/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
    throw new BadRequestError('console writes send JSON (Content-Type: application/json)');
}
