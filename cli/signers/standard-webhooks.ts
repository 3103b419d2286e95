/**
 * Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256>` keyed with the base64-decoded
 * `whsec_` secret, or `v1a,<base64 Ed25519>`, over `<webhook-id>.<webhook-timestamp>.<body>`.
 * A provider may hold both kinds of key (the scheme stores `whpk_` public keys as secrets):
 * the registered secret signs `v1`; a test key, registered as `whpk_…`, signs `v1a`.
 * See https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { sign } from 'node:crypto';
import { hmac } from '../../functions/verify/signatures.ts';
import { ed25519KeyPair } from './key-pairs.ts';
import type { Signer } from './signer.ts';

const publicKeyPrefix = 'whpk_';

/** A `whsec_` secret (the prefix is optional) as the key bytes its base64 spells. */
const secretBytes = (secret: string) =>
  Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');

export const standardWebhooksSigner: Signer = {
  scheme: 'standard-webhooks',
  signsWith: 'secret-or-test-key',
  // A `whpk_` key verifies only; a `whsk_` one is the sender's own and the scheme refuses it.
  canSignWith: (secret) =>
    !secret.startsWith(publicKeyPrefix) &&
    !secret.startsWith('whsk_') &&
    secretBytes(secret).length > 0,
  generateTestKey() {
    const { privateKey, rawPublicKey } = ed25519KeyPair();
    return { privateKey, publicKeyText: `${publicKeyPrefix}${rawPublicKey.toString('base64')}` };
  },
  sign({ url, body, key, nowMs, deliveryId }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signed = `${deliveryId}.${timestamp}.`;
    const signature =
      key.kind === 'secret'
        ? `v1,${hmac('sha256', 'base64', secretBytes(key.value), signed, body)}`
        : `v1a,${sign(null, Buffer.concat([Buffer.from(signed), body]), key.privateKey).toString('base64')}`;
    return {
      url,
      body,
      headers: {
        'webhook-id': deliveryId,
        'webhook-timestamp': timestamp,
        'webhook-signature': signature,
      },
    };
  },
};
