import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache.ts';
import { textEqual } from './compare.ts';
import type { VerificationKey } from './types.ts';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

/**
 * Text secrets as node:crypto key objects, imported once per container: importing a text
 * key costs about a tenth of a small delivery's HMAC.
 */
const secretKeys = new BoundedCache<KeyObject>(256);
const importSecret = (secret: string) => createSecretKey(Buffer.from(secret, 'utf8'));

/** How a provider writes a digest as text; `base64url` is RFC 4648 §5, unpadded (JWS, Sanity). */
export type DigestEncoding = 'hex' | 'base64' | 'base64url';

/**
 * HMAC of the parts in order, written as the provider writes it. The parts are fed one by
 * one rather than concatenated, and the digest goes straight to text: `digest()` as a
 * Buffer costs a fresh native allocation per call, which dominates at small body sizes.
 */
export function hmac(
  algorithm: HmacAlgorithm,
  encoding: DigestEncoding,
  key: string | Uint8Array | KeyObject,
  ...parts: readonly (string | Uint8Array)[]
): string {
  const mac = createHmac(
    algorithm,
    typeof key === 'string' ? secretKeys.get(key, importSecret) : key,
  );
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
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
