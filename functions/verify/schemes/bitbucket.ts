import { matchPrefixedHmac } from '../hmac-header.ts';
import { accept, requireHeader, type Scheme } from '../scheme.ts';

const HEADER = 'x-hub-signature';
const FORMAT = { algorithm: 'sha256', prefix: 'sha256=', encoding: 'hex' } as const;

/**
 * Bitbucket Cloud: a webhook saved with a secret sends `X-Hub-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body keyed with the secret as text. Bitbucket Data Center signs the
 * same way under the same header, so one scheme serves both; Cloud names the delivery
 * `X-Request-UUID` and Data Center `X-Request-Id`. Unlike GitHub, the unsuffixed
 * `X-Hub-Signature` here carries SHA-256; no timestamp is signed.
 */
export const bitbucket: Scheme = {
  name: 'bitbucket',
  summary: 'Bitbucket Cloud and Data Center webhooks (HMAC-SHA256 of the body)',
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/',
  headers: ['X-Hub-Signature', 'X-Request-UUID', 'X-Request-Id', 'X-Event-Key'],
  keyKind: 'secret',
  verify({ headers, body, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const match = matchPrefixedHmac(HEADER, header.value, FORMAT, keys, [body]);
    if (match.rejection) return match.rejection;
    return accept(match.keyIndex, {
      deliveryId: headers.get('x-request-uuid') ?? headers.get('x-request-id'),
      eventType: headers.get('x-event-key'),
    });
  },
};
