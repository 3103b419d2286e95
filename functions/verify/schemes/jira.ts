import { matchPrefixedHmac } from '../hmac-header.ts';
import { accept, requireHeader, type Scheme } from '../scheme.ts';

const HEADER = 'x-hub-signature';
const FORMAT = { algorithm: 'sha256', prefix: 'sha256=', encoding: 'hex' } as const;

/**
 * Jira Cloud admin webhooks saved with a secret: `X-Hub-Signature: sha256=<hex>`, the WebSub
 * `method=signature` form, HMAC-SHA256 of the raw body keyed with the secret as text.
 * Webhooks registered by Connect or OAuth 2.0 apps are authenticated by a JWT instead and are
 * not covered here. The delivery id is `X-Atlassian-Webhook-Identifier` (kept across retries);
 * the event type lives only in the body's `webhookEvent`. No timestamp is signed.
 */
export const jira: Scheme = {
  name: 'jira',
  summary: 'Jira Cloud admin webhooks with a secret (HMAC-SHA256 of the body)',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks',
  headers: ['X-Hub-Signature', 'X-Atlassian-Webhook-Identifier'],
  keyKind: 'secret',
  eventFields: { type: 'webhookEvent' },
  verify({ headers, body, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const match = matchPrefixedHmac(HEADER, header.value, FORMAT, keys, [body]);
    if (match.rejection) return match.rejection;
    return accept(match.keyIndex, { deliveryId: headers.get('x-atlassian-webhook-identifier') });
  },
};
