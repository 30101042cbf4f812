import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The one constant-time comparison of a secret someone presented with ours (admin token,
 * console token, webhook signature). Both sides are hashed first, so neither the length nor
 * the content of ours leaks through timing.
 */
export function sameSecret(given: string, ours: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(ours).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
