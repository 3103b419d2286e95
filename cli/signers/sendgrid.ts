/**
 * SendGrid Signed Event Webhook: base64 DER ECDSA P-256 signature over SHA-256 of the
 * timestamp header followed by the body. Each Event Webhook's private key stays with SendGrid,
 * so a test delivery is signed with a test key whose public half (base64 DER
 * SubjectPublicKeyInfo, as SendGrid's console shows its own) is registered beside it.
 */
import { createSign } from 'node:crypto';
import { p256KeyPair } from './key-pairs.ts';
import { privateKeyOf, type Signer } from './signer.ts';

export const sendgridSigner: Signer = {
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
        'X-Twilio-Email-Event-Webhook-Signature': signature,
        'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
      },
    };
  },
};
