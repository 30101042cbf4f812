import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

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
