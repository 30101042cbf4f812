import { createHmac } from 'node:crypto';
import { sameSecret } from '../secret.ts';

/** `sha256=<hex>` of the raw body keyed with the app secret (not the verify token). */
export function signBody(raw: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/** Constant-time check of X-Hub-Signature-256 against the raw bytes as received. */
export function verifySignature(raw: Uint8Array, header: string | undefined | null, appSecret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return sameSecret(header.slice(7).trim().toLowerCase(), signBody(raw, appSecret).slice(7));
}
