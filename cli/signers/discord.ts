/**
 * Discord: `X-Signature-Ed25519`, lowercase hex Ed25519 signature of `X-Signature-Timestamp`
 * followed by the body. Only Discord holds its application's private key, so a test delivery
 * is signed with a test key whose public half (64 hex characters) is registered beside it.
 */
import { sign } from 'node:crypto';
import { ed25519KeyPair } from './key-pairs.ts';
import { privateKeyOf, type Signer } from './signer.ts';

export const discordSigner: Signer = {
  scheme: 'discord',
  signsWith: 'test-key',
  generateTestKey() {
    const { privateKey, rawPublicKey } = ed25519KeyPair();
    return { privateKey, publicKeyText: rawPublicKey.toString('hex') };
  },
  sign({ url, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signature = sign(
      null,
      Buffer.concat([Buffer.from(timestamp), body]),
      privateKeyOf('discord', key),
    );
    return {
      url,
      body,
      headers: {
        'X-Signature-Ed25519': signature.toString('hex'),
        'X-Signature-Timestamp': timestamp,
      },
    };
  },
};
