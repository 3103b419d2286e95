/**
 * Telnyx: only Telnyx holds the account's private key, so a test delivery is signed with a test
 * key whose public half (base64 of its 32 raw bytes, as Mission Control shows Telnyx's) is
 * registered beside it.
 */
import { sign } from 'node:crypto';
import { ed25519KeyPair } from '../public-keys.sign.ts';
import { privateKeyOf, type Signer } from '../scheme.sign.ts';
import { telnyxHeaders, telnyxSignedPrefix } from './telnyx.ts';

export const signer: Signer = {
  scheme: 'telnyx',
  signsWith: 'test-key',
  generateTestKey() {
    const { privateKey, rawPublicKey } = ed25519KeyPair();
    return { privateKey, publicKeyText: rawPublicKey.toString('base64') };
  },
  sign({ url, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const message = Buffer.concat([Buffer.from(telnyxSignedPrefix(timestamp)), body]);
    const signature = sign(null, message, privateKeyOf('telnyx', key));
    return {
      url,
      body,
      headers: {
        [telnyxHeaders.signature]: signature.toString('base64'),
        [telnyxHeaders.timestamp]: timestamp,
      },
    };
  },
};
