import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens. A customer token is an HMAC-SHA256 of the subject's id under the dashboard's
 * secret: it opens that subject's page and nothing else, and cannot be made without the secret.
 * The operator token opens the city and health views (and every customer page).
 */

/** A new random secret or token: 32 bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The token that opens `subject`'s page under `secret`. */
export function signSubject(secret: string, subject: string): string {
  return createHmac('sha256', secret).update(`subject:${subject}`).digest('base64url');
}

/** Compares two tokens in constant time (for equal lengths). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `token` opens `subject`'s page under `secret`. */
export function verifySubject(secret: string, subject: string, token: string): boolean {
  return sameToken(signSubject(secret, subject), token);
}
