import { bytesEqual } from '../compare.ts';
import { type DeliveryHeaders, deliveryHeaderReader } from '../headers.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';

/**
 * GitLab's headers as it spells them, read by the verifier below and written by gitlab.sign.ts;
 * older GitLab names the delivery only in the fallback headers.
 */
export const gitlabShape = {
  tokenHeader: 'X-Gitlab-Token',
  idHeaders: ['Idempotency-Key'],
  fallbackIdHeaders: ['X-Gitlab-Webhook-UUID', 'X-Gitlab-Event-UUID'],
  eventTypeHeader: 'X-Gitlab-Event',
} as const satisfies DeliveryHeaders & { readonly tokenHeader: string };

const HEADER = gitlabShape.tokenHeader.toLowerCase();
const readDetails = deliveryHeaderReader(gitlabShape);

/**
 * GitLab: `X-Gitlab-Token` carries the webhook's secret token itself, so the check is a
 * constant-time equality with the configured token, and nothing about the body or the time is
 * authenticated. (GitLab is adding Standard Webhooks signing tokens, `webhook-signature`,
 * behind the `webhook_signing_token` feature flag; those are the standard-webhooks scheme's
 * business, not this one's.) The delivery id is `Idempotency-Key`, which GitLab keeps across
 * retries; older GitLab only sends `X-Gitlab-Webhook-UUID` and `X-Gitlab-Event-UUID`.
 */
export const gitlab: Scheme = {
  name: 'gitlab',
  summary: 'GitLab webhooks (secret token in X-Gitlab-Token; the body is not signed)',
  docs: 'https://docs.gitlab.com/user/project/integrations/webhooks/',
  headers: [
    gitlabShape.tokenHeader,
    gitlabShape.eventTypeHeader,
    ...gitlabShape.idHeaders,
    ...gitlabShape.fallbackIdHeaders,
  ],
  keyKind: 'secret',
  eventTypeHeader: gitlabShape.eventTypeHeader,
  // Nothing is signed: the token proves the sender knows the secret, not what it sent.
  signedFields: () => ({ body: false }),
  verify({ headers, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const received = Buffer.from(header.value, 'utf8');
    const keyIndex = keys.findIndex((key) => bytesEqual(Buffer.from(key.value, 'utf8'), received));
    if (keyIndex < 0) return reject('signature_mismatch', `${HEADER} matches no key`);
    return accept(keyIndex, readDetails(headers));
  },
};
