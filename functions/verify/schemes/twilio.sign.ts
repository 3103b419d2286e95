/**
 * Twilio, signed with the Auth Token (HMAC-SHA1): a form body is signed as its parameters after
 * the URL; a JSON body is not signed as parameters, its SHA-256 goes into the URL and the
 * signature covers the URL alone.
 * See https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { createHash } from 'node:crypto';
import { type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { signedParameters, twilioShape } from './twilio.ts';

export const signer: Signer = {
  scheme: 'twilio',
  signsWith: 'secret',
  sign({ url, body, key, contentType }) {
    const authToken = secretOf('twilio', key);
    if (contentType.startsWith('application/json')) {
      const target = new URL(url);
      const bodyHash = createHash('sha256').update(body).digest('hex');
      target.searchParams.append(twilioShape.bodyHashParameter, bodyHash);
      const signedUrl = target.toString();
      return {
        url: signedUrl,
        body,
        headers: { [twilioShape.header]: hmac('sha1', 'base64', authToken, signedUrl) },
      };
    }
    const parameters = signedParameters(formParameters(body));
    return {
      url,
      body,
      headers: { [twilioShape.header]: hmac('sha1', 'base64', authToken, url, parameters) },
    };
  },
};

/** The form body's values by name, as a form encoder wrote them. */
function formParameters(body: Uint8Array): Map<string, string[]> {
  const parameters = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(Buffer.from(body).toString('utf8'))) {
    parameters.set(name, [...(parameters.get(name) ?? []), value]);
  }
  return parameters;
}
