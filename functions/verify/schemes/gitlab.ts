import { bytesEqual } from '../compare.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';

const HEADER = 'x-gitlab-token';

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
    'X-Gitlab-Token',
    'X-Gitlab-Event',
    'Idempotency-Key',
    'X-Gitlab-Webhook-UUID',
    'X-Gitlab-Event-UUID',
  ],
  keyKind: 'secret',
  verify({ headers, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const received = Buffer.from(header.value, 'utf8');
    const keyIndex = keys.findIndex((key) => bytesEqual(Buffer.from(key.value, 'utf8'), received));
    if (keyIndex < 0) return reject('signature_mismatch', `${HEADER} matches no key`);
    return accept(keyIndex, {
      deliveryId:
        headers.get('idempotency-key') ??
        headers.get('x-gitlab-webhook-uuid') ??
        headers.get('x-gitlab-event-uuid'),
      eventType: headers.get('x-gitlab-event'),
    });
  },
};
