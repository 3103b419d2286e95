import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two byte strings. `timingSafeEqual` throws on a length
 * mismatch, and a length is not secret, so we check it first and answer `false`.
 */
export function bytesEqual(expected: Uint8Array, received: Uint8Array): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Constant-time equality of an expected signature text (hex or base64) with what the
 * request carried. The received text is compared as UTF-8 bytes so that no non-ASCII
 * character can collapse onto an ASCII one.
 */
export function textEqual(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  return bytesEqual(Buffer.from(expected, 'latin1'), Buffer.from(received, 'utf8'));
}
