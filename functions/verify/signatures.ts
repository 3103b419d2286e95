import { createHmac } from 'node:crypto';
import { textEqual } from './compare.ts';
import type { VerificationKey } from './types.ts';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** HMAC of the parts in order, without concatenating them into a new buffer first. */
export function hmac(
  algorithm: HmacAlgorithm,
  key: string | Uint8Array,
  ...parts: readonly (string | Uint8Array)[]
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  // The same bytes as `mac.digest()`, which allocates a fresh native ArrayBuffer per call:
  // a 'binary' (latin1) string maps byte for byte, and Buffer.from takes a small one from
  // its shared pool, markedly cheaper at once per key per request.
  return Buffer.from(mac.digest('binary'), 'binary');
}

/**
 * Index of the first key whose expected signature equals any received candidate, or -1.
 * Every key is tried so that rotation works: during a rotation the provider may sign with
 * the old secret, the new one, or both.
 */
export function findMatchingKey(
  keys: readonly VerificationKey[],
  candidates: readonly string[],
  expectedFor: (key: VerificationKey) => string,
): number {
  for (let index = 0; index < keys.length; index++) {
    const expected = expectedFor(keys[index] as VerificationKey);
    for (const candidate of candidates) {
      if (textEqual(expected, candidate)) return index;
    }
  }
  return -1;
}
