/**
 * Standard Webhooks: a provider may hold both kinds of key (the scheme stores `whpk_` public
 * keys as secrets): the registered secret signs `v1` (base64 HMAC-SHA256 keyed with the bytes
 * its base64 spells); a test key, registered as `whpk_…`, signs `v1a` (base64 Ed25519).
 * See https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { sign } from 'node:crypto';
import { ed25519KeyPair } from '../public-keys.sign.ts';
import type { Signer } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import {
  standardWebhooksHeaders as names,
  standardWebhooksKeyPrefixes as prefixes,
  standardWebhooksSignedPrefix,
} from './standard-webhooks.ts';

/** A `whsec_` secret (the prefix is optional) as the key bytes its base64 spells. */
const secretBytes = (secret: string) =>
  Buffer.from(
    secret.startsWith(prefixes.secret) ? secret.slice(prefixes.secret.length) : secret,
    'base64',
  );

export const signer: Signer = {
  scheme: 'standard-webhooks',
  signsWith: 'secret-or-test-key',
  // A `whpk_` key verifies only; a `whsk_` one is the sender's own and the scheme refuses it.
  canSignWith: (secret) =>
    !secret.startsWith(prefixes.publicKey) &&
    !secret.startsWith(prefixes.signingKey) &&
    secretBytes(secret).length > 0,
  generateTestKey() {
    const { privateKey, rawPublicKey } = ed25519KeyPair();
    return { privateKey, publicKeyText: `${prefixes.publicKey}${rawPublicKey.toString('base64')}` };
  },
  sign({ url, body, key, nowMs, deliveryId }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signed = standardWebhooksSignedPrefix(deliveryId, timestamp);
    const signature =
      key.kind === 'secret'
        ? `v1,${hmac('sha256', 'base64', secretBytes(key.value), signed, body)}`
        : `v1a,${sign(null, Buffer.concat([Buffer.from(signed), body]), key.privateKey).toString('base64')}`;
    return {
      url,
      body,
      headers: {
        [names.id]: deliveryId,
        [names.timestamp]: timestamp,
        [names.signature]: signature,
      },
    };
  },
};
