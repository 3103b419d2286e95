/**
 * HubSpot v3: `X-HubSpot-Signature-v3`, base64 HMAC-SHA256 of method + URI + body + the
 * millisecond timestamp sent in `X-HubSpot-Request-Timestamp`. v1 and v2 carry no timestamp
 * and the scheme refuses them unless enabled, so the signer writes v3 only.
 */
import { hmac } from '../../functions/verify/signatures.ts';
import { type Signer, secretOf } from './signer.ts';

/**
 * The characters HubSpot decodes in the URI before signing (its v3 instructions); the verifier
 * decodes the same ones from the URL it received.
 */
const decodedInUri = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

export const hubspotSigner: Signer = {
  scheme: 'hubspot',
  signsWith: 'secret',
  sign({ url, method, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs));
    const uri = url.replace(decodedInUri, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    const signature = hmac(
      'sha256',
      'base64',
      secretOf('hubspot', key),
      method,
      uri,
      body,
      timestamp,
    );
    return {
      url,
      body,
      headers: {
        'X-HubSpot-Signature-v3': signature,
        'X-HubSpot-Request-Timestamp': timestamp,
      },
    };
  },
};
