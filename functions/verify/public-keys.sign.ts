/**
 * The sender's half of public-keys.ts: fresh key pairs for test keys, in the two curves the
 * public-key schemes use.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An Ed25519 pair (Discord, Standard Webhooks `v1a`) and the public key's 32 raw bytes. */
export function ed25519KeyPair(): { privateKey: KeyObject; rawPublicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    rawPublicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
  };
}

/** An ECDSA P-256 pair (SendGrid, Plaid's ES256). */
export function p256KeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}
