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
 * entry. Returns `undefined` when node:crypto refuses the key or {@link readPublicKey} finds
 * it weak; failures are not cached.
 */
export function cachedPublicKey(
  cacheKey: string,
  input: () => PublicKeyInput | JsonWebKeyInput,
): KeyObject | undefined {
  return publicKeys.get(cacheKey, () => {
    const key = readPublicKey(input());
    return typeof key === 'string' ? undefined : key;
  });
}

/**
 * The public key `input` describes, or why it must not verify anything: node:crypto refuses
 * it, or it is one of the weak keys {@link publicKeyProblem} names. Every key a scheme loads
 * comes through here (by {@link cachedPublicKey}), and so does the check `providers add` and
 * `rotate` make before registering one (cli/provider-keys.ts).
 */
export function readPublicKey(input: PublicKeyInput | JsonWebKeyInput): KeyObject | string {
  let key: KeyObject;
  try {
    key = createPublicKey(input);
  } catch {
    return 'is not a valid public key';
  }
  return publicKeyProblem(key) ?? key;
}

/** The node:crypto input for an Ed25519 public key's 32 raw bytes (Discord, `whpk_`). */
export function ed25519KeyInput(raw: Uint8Array): JsonWebKeyInput {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  return { key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' };
}

/** An Ed25519 public key from its 32 raw bytes (Discord, Standard Webhooks `whpk_`). */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== 32) return undefined;
  const hex = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  return cachedPublicKey(`ed25519:${hex}`, () => ed25519KeyInput(raw));
}

/**
 * Why a parsed public key is one no signature check may use, or `undefined` when it may be.
 * node:crypto parses such keys (and, depending on the OpenSSL it was built with, verifies
 * signatures with them that their holder never made), so the check is ours, in plain
 * arithmetic, whatever the runtime. Key types no scheme uses are left to node:crypto.
 */
export function publicKeyProblem(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return ed25519Problem(Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url'));
    case 'ec':
      return ecProblem(key);
    default:
      return undefined;
  }
}

/** A little-endian byte string as the unsigned integer it spells. */
const littleEndian = (bytes: Uint8Array) =>
  BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);

/** A big-endian byte string (JWK coordinates) as the unsigned integer it spells. */
const bigEndian = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

/** The field prime of Ed25519 (RFC 8032 §5.1). */
const ED25519_P = 2n ** 255n - 19n;

/**
 * The encodings of Ed25519's eight small-order points, with the sign bit (the top bit of the
 * last byte) cleared: libsodium's blocklist (`ge25519_has_small_order`, crypto_core/ed25519/
 * ref10/ed25519_ref10.c), the list "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko,
 * 2020) builds on. By y coordinate: 0 (the two points of order 4, x = ±√−1), 1 (the identity,
 * order 1), the two y of the four points of order 8, p − 1 (order 2), and p and p + 1, the
 * non-canonical spellings of 0 and 1. Compared with the sign bit cleared, as libsodium does,
 * they cover both signs of x, so all eight points and their "negative zero" spellings (x = 0
 * with the sign bit set). Such a key verifies signatures no one made: with the identity,
 * the signature (R = identity, S = 0) verifies every message; with the others, a fixed
 * signature verifies a share of all messages.
 */
const ED25519_SMALL_ORDER = new Set([
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]);

/**
 * Why 32 raw bytes are no Ed25519 public key to verify with: a small-order point, or a y
 * coordinate not reduced mod p (RFC 8032 §5.1.3 refuses y ≥ p when decoding; some
 * implementations reduce it instead, so one key would have two spellings).
 */
function ed25519Problem(raw: Uint8Array): string | undefined {
  if (raw.length !== 32) return 'is not 32 bytes';
  const y = Buffer.from(raw);
  y[31] = (y[31] as number) & 0x7f;
  if (ED25519_SMALL_ORDER.has(y.toString('hex'))) {
    return 'is a small-order Ed25519 point, which verifies signatures no one made';
  }
  if (littleEndian(y) >= ED25519_P) {
    return 'is not a canonical Ed25519 encoding (its y coordinate is not below 2^255 - 19)';
  }
  return undefined;
}

/** NIST P-256 (FIPS 186-5 / SEC 2): y² = x³ − 3x + b over the prime p; its cofactor is 1. */
const P256 = {
  p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
} as const;

/**
 * Why an EC key is no P-256 point to verify with. node:crypto accepts the point at infinity
 * from an SPKI (`03 02 00 00`), with which an ECDSA check reduces to u1·G and anyone can
 * forge a signature for any message; it refuses points off the curve today, which we check
 * again rather than depend on. P-256 is the only curve a scheme uses (SendGrid, Plaid), and
 * with its cofactor of 1 every point on it but infinity is of prime order.
 */
function ecProblem(key: KeyObject): string | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') return `is an EC key on ${curve ?? 'an unnamed curve'}, not P-256`;
  let x: bigint;
  let y: bigint;
  try {
    const jwk = key.export({ format: 'jwk' });
    x = bigEndian(Buffer.from(jwk.x ?? '', 'base64url'));
    y = bigEndian(Buffer.from(jwk.y ?? '', 'base64url'));
  } catch {
    // OpenSSL has no affine coordinates for the point at infinity to export.
    return 'is the P-256 point at infinity, with which anyone can forge a signature';
  }
  const { p, b } = P256;
  const onCurve = x < p && y < p && (y * y - (x * x * x - 3n * x + b)) % p === 0n;
  return onCurve ? undefined : 'is not a point on P-256';
}
