/**
 * SendGrid Signed Event Webhook: each Event Webhook's private key stays with SendGrid, so a
 * test delivery is signed with a test key whose public half (base64 DER SubjectPublicKeyInfo,
 * as SendGrid's console shows its own) is registered beside it.
 */
import { createSign } from 'node:crypto';
import { p256KeyPair } from '../public-keys.sign.ts';
import { privateKeyOf, type Signer } from '../scheme.sign.ts';
import { sendgridHeaders } from './sendgrid.ts';

export const signer: Signer = {
  scheme: 'sendgrid',
  signsWith: 'test-key',
  generateTestKey() {
    const { privateKey, publicKey } = p256KeyPair();
    return {
      privateKey,
      publicKeyText: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    };
  },
  sign({ url, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signature = createSign('sha256')
      .update(timestamp)
      .update(body)
      .sign(privateKeyOf('sendgrid', key), 'base64');
    return {
      url,
      body,
      headers: {
        [sendgridHeaders.signature]: signature,
        [sendgridHeaders.timestamp]: timestamp,
      },
    };
  },
};
