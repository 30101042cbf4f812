import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex>` of the raw body keyed with the app secret (not the verify token). */
export function signBody(raw: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/** Constant-time check of X-Hub-Signature-256 against the raw bytes as received. */
export function verifySignature(raw: Uint8Array, header: string | undefined | null, appSecret: string): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7).trim().toLowerCase(), 'utf8');
  const expected = Buffer.from(signBody(raw, appSecret).slice(7), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
