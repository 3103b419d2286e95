/**
 * Mailgun: the signature travels in the body with its timestamp and token, a JSON webhook's
 * `signature` object or a form delivery's `timestamp`, `token` and `signature` fields. The
 * signer writes that block into the payload as Mailgun does; the rest of the body is not
 * signed (the scheme's own caveat).
 */
import { randomBytes } from 'node:crypto';
import { jsonBytes, jsonObjectOf, type Signer, secretOf } from '../scheme.sign.ts';
import { mailgunSignature } from './mailgun.ts';

/** Mailgun's tokens are 50 random characters; the receiver should refuse one seen before. */
const tokenBytes = 25;

export const signer: Signer = {
  scheme: 'mailgun',
  signsWith: 'secret',
  sign({ url, body, key, nowMs, contentType }) {
    const timestamp = String(Math.floor(nowMs / 1000));
    const token = randomBytes(tokenBytes).toString('hex');
    const signature = mailgunSignature(secretOf('mailgun', key), timestamp, token);
    if (contentType.startsWith('application/json')) {
      const document = {
        ...jsonObjectOf('mailgun', body),
        signature: { timestamp, token, signature },
      };
      return { url, body: jsonBytes(document), headers: {} };
    }
    const form = new URLSearchParams(Buffer.from(body).toString('utf8'));
    for (const [name, value] of Object.entries({ timestamp, token, signature }))
      form.set(name, value);
    return { url, body: Buffer.from(form.toString()), headers: {} };
  },
};
