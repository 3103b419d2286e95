import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two byte strings. `timingSafeEqual` throws on a length
 * mismatch, and a length is not secret, so we check it first and answer `false`.
 */
export function bytesEqual(expected: Uint8Array, received: Uint8Array): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Reused encoding space for {@link textEqual}, so a comparison allocates no buffers (it runs
 * once per key per request). Sized for any signature text: a UTF-16 unit is at most three
 * UTF-8 bytes, so equal-length texts always fit whole. Longer texts take the allocating path.
 */
const expectedScratch = Buffer.alloc(512);
const receivedScratch = Buffer.alloc(3 * expectedScratch.length);

/**
 * Constant-time equality of an expected signature text (hex or base64) with what the
 * request carried. The received text is compared as UTF-8 bytes so that no non-ASCII
 * character can collapse onto an ASCII one.
 */
export function textEqual(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  if (expected.length > expectedScratch.length) {
    return bytesEqual(Buffer.from(expected, 'latin1'), Buffer.from(received, 'utf8'));
  }
  const expectedLength = expectedScratch.write(expected, 0, 'latin1');
  const receivedLength = receivedScratch.write(received, 0, 'utf8');
  return bytesEqual(
    expectedScratch.subarray(0, expectedLength),
    receivedScratch.subarray(0, receivedLength),
  );
}
