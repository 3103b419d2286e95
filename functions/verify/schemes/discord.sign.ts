/**
 * Discord: only Discord holds its application's private key, so a test delivery is signed with
 * a test key whose public half (64 hex characters) is registered beside it.
 */
import { sign } from 'node:crypto';
import { ed25519KeyPair } from '../public-keys.sign.ts';
import { privateKeyOf, type Signer } from '../scheme.sign.ts';
import { discordHeaders } from './discord.ts';

export const signer: Signer = {
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
        [discordHeaders.signature]: signature.toString('hex'),
        [discordHeaders.timestamp]: timestamp,
      },
    };
  },
};
