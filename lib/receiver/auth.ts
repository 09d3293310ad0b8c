import { createHash, timingSafeEqual } from 'node:crypto';

import { UnauthorizedError } from '../errors.ts';

/**
 * Checks an Authorization header against the webhook secret: `Bearer <secret>` (Alertmanager's
 * `http_config.authorization`) or `Basic` with the secret as password (`http_config.basic_auth`).
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
export function checkWebhookCredential(authorization: string | undefined, secret: string): void {
  const presented = credentialFrom(authorization);
  if (presented === undefined) throw new UnauthorizedError('missing Authorization header (Bearer token or Basic auth)');
  if (!constantTimeEqual(presented, secret)) throw new UnauthorizedError('wrong webhook credential');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}

function credentialFrom(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(authorization);
  if (match === null) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  const value = match[2] ?? '';
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}
