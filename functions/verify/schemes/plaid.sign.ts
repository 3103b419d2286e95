/**
 * Plaid: `Plaid-Verification`, a compact JWT signed ES256 whose header names the key (`kid`)
 * and whose payload carries `iat` and `request_body_sha256`. Plaid's private keys stay with
 * Plaid, so a test delivery is signed with a test key registered as a JWK under its own kid;
 * the receiver matches configured keys by kid.
 * See https://plaid.com/docs/api/webhooks/webhook-verification/
 */
import { createHash, randomBytes, sign } from 'node:crypto';
import { SigningKeyError } from '../errors.sign.ts';
import { p256KeyPair } from '../public-keys.sign.ts';
import { privateKeyOf, type Signer } from '../scheme.sign.ts';
import { plaidHeader } from './plaid.ts';

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export const signer: Signer = {
  scheme: 'plaid',
  signsWith: 'test-key',
  generateTestKey() {
    const { privateKey, publicKey } = p256KeyPair();
    const keyId = `webhooks-test-${randomBytes(8).toString('hex')}`;
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    const jwk = { kty, crv, x, y, kid: keyId, alg: 'ES256', use: 'sig' };
    return { privateKey, publicKeyText: JSON.stringify(jwk), keyId };
  },
  sign({ url, body, key, nowMs }) {
    const privateKey = privateKeyOf('plaid', key);
    if (key.kind !== 'test-key' || key.keyId === undefined) {
      throw new SigningKeyError('plaid', 'needs the test key with its kid');
    }
    const header = segment({ alg: 'ES256', kid: key.keyId, typ: 'JWT' });
    const payload = segment({
      iat: Math.floor(nowMs / 1000),
      request_body_sha256: createHash('sha256').update(body).digest('hex'),
    });
    // JWS ES256 is the raw r||s pair (RFC 7518 §3.4), not DER.
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return {
      url,
      body,
      headers: { [plaidHeader]: `${header}.${payload}.${signature.toString('base64url')}` },
    };
  },
};
