import { matchPrefixedHmac } from '../hmac-header.ts';
import { accept, requireHeader, type Scheme } from '../scheme.ts';

const HEADER = 'typeform-signature';
const FORMAT = { algorithm: 'sha256', prefix: 'sha256=', encoding: 'base64' } as const;

/**
 * Typeform: `Typeform-Signature: sha256=<base64>`, the HMAC-SHA256 of the raw body keyed with
 * the webhook secret as text, base64 with padding (Typeform's own examples use
 * `strict_encode64`). No timestamp is signed; the event id and type are only in the body.
 */
export const typeform: Scheme = {
  name: 'typeform',
  summary: 'Typeform webhooks (HMAC-SHA256 of the body, base64)',
  docs: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
  headers: ['Typeform-Signature'],
  keyKind: 'secret',
  eventFields: { id: 'event_id', type: 'event_type' },
  verify({ headers, body, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const match = matchPrefixedHmac(HEADER, header.value, FORMAT, keys, [body]);
    if (match.rejection) return match.rejection;
    return accept(match.keyIndex);
  },
};
