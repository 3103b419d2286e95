import {
  createPublicKey,
  type JsonWebKeyInput,
  type KeyObject,
  type PublicKeyInput,
} from 'node:crypto';

/**
 * Parsed public keys, most recently used last. `createPublicKey` costs far more than a
 * signature check, and a warm Lambda sees the same few keys on every delivery, so each
 * distinct key text is parsed once. Bounded so that a resolver handing out many keys
 * cannot grow memory without limit.
 */
const MAX_ENTRIES = 64;
const cache = new Map<string, KeyObject>();

/**
 * The public key for `cacheKey`, parsed by `input` on first use. The cache key must name
 * the key completely, format included (e.g. `ed25519:<hex>`), so two keys never share an
 * entry. Returns `undefined` when node:crypto refuses the key; failures are not cached.
 */
export function cachedPublicKey(
  cacheKey: string,
  input: () => PublicKeyInput | JsonWebKeyInput,
): KeyObject | undefined {
  const hit = cache.get(cacheKey);
  if (hit !== undefined) {
    cache.delete(cacheKey);
    cache.set(cacheKey, hit);
    return hit;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(input());
  } catch {
    return undefined;
  }
  if (cache.size >= MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(cacheKey, key);
  return key;
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
