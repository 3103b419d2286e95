/**
 * Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 keyed with the Auth Token of the URL followed
 * by the POST parameters (each name then its value, names sorted, a repeated name's distinct
 * values sorted). A JSON body is not signed as parameters: its SHA-256 goes into the URL as
 * `bodySHA256` and the signature covers the URL alone.
 * See https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { createHash } from 'node:crypto';
import { hmac } from '../../functions/verify/signatures.ts';
import { type Signer, secretOf } from './signer.ts';

export const twilioSigner: Signer = {
  scheme: 'twilio',
  signsWith: 'secret',
  sign({ url, body, key, contentType }) {
    const authToken = secretOf('twilio', key);
    if (contentType.startsWith('application/json')) {
      const target = new URL(url);
      target.searchParams.append('bodySHA256', createHash('sha256').update(body).digest('hex'));
      const signedUrl = target.toString();
      return {
        url: signedUrl,
        body,
        headers: { 'X-Twilio-Signature': hmac('sha1', 'base64', authToken, signedUrl) },
      };
    }
    const parameters = formParameters(body);
    return {
      url,
      body,
      headers: { 'X-Twilio-Signature': hmac('sha1', 'base64', authToken, url, parameters) },
    };
  },
};

/** The form body as Twilio appends it to the URL: sorted, each distinct value once. */
function formParameters(body: Uint8Array): string {
  const form = new URLSearchParams(Buffer.from(body).toString('utf8'));
  let text = '';
  for (const name of [...new Set(form.keys())].sort()) {
    for (const value of [...new Set(form.getAll(name))].sort()) text += name + value;
  }
  return text;
}
