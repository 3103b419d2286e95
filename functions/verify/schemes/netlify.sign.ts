/**
 * Netlify: `X-Webhook-Signature`, a compact JWS signed HS256 with the webhook's JWS secret
 * token, its payload `iss: netlify` and `sha256`, the hex SHA-256 of the body.
 * See https://docs.netlify.com/deploy/deploy-notifications/#payload-signature
 */
import { createHash } from 'node:crypto';
import { type Signer, secretOf } from '../scheme.sign.ts';
import { hs256, netlifyHeader } from './netlify.ts';

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export const signer: Signer = {
  scheme: 'netlify',
  signsWith: 'secret',
  sign({ url, body, key }) {
    const header = segment({ alg: 'HS256', typ: 'JWT' });
    const payload = segment({
      iss: 'netlify',
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    const signature = hs256(secretOf('netlify', key), `${header}.${payload}`);
    return { url, body, headers: { [netlifyHeader]: `${header}.${payload}.${signature}` } };
  },
};
