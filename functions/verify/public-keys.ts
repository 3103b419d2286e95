import {
  createPublicKey,
  type JsonWebKeyInput,
  type KeyObject,
  type PublicKeyInput,
} from 'node:crypto';
import { BoundedCache } from './bounded-cache.ts';

/**
 * Parsed public keys. `createPublicKey` costs far more than a signature check, so each
 * distinct key text is parsed once per container.
 */
const publicKeys = new BoundedCache<KeyObject | undefined>(64);

/**
 * The public key for `cacheKey`, parsed by `input` on first use. The cache key must name
 * the key completely, format included (e.g. `ed25519:<hex>`), so two keys never share an
 * entry. Returns `undefined` when node:crypto refuses the key; failures are not cached.
 */
export function cachedPublicKey(
  cacheKey: string,
  input: () => PublicKeyInput | JsonWebKeyInput,
): KeyObject | undefined {
  return publicKeys.get(cacheKey, () => {
    try {
      return createPublicKey(input());
    } catch {
      return undefined;
    }
  });
}

/** An Ed25519 public key from its 32 raw bytes (Discord, Standard Webhooks `whpk_`). */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== 32) return undefined;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return cachedPublicKey(`ed25519:${bytes.toString('hex')}`, () => ({
    key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
    format: 'jwk',
  }));
}
