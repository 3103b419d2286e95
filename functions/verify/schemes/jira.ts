import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/** Jira's signing shape, read by the verifier below and written by jira.sign.ts. */
export const jiraShape: BodyHmacShape = {
  header: 'X-Hub-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-Atlassian-Webhook-Identifier'],
};

/**
 * Jira Cloud admin webhooks saved with a secret: `X-Hub-Signature: sha256=<hex>`, the WebSub
 * `method=signature` form, HMAC-SHA256 of the raw body keyed with the secret as text.
 * Webhooks registered by Connect or OAuth 2.0 apps are authenticated by a JWT instead and are
 * not covered here. The delivery id is `X-Atlassian-Webhook-Identifier` (kept across retries);
 * the event type lives only in the body's `webhookEvent`. No timestamp is signed.
 */
export const jira = bodyHmacScheme({
  name: 'jira',
  summary: 'Jira Cloud admin webhooks with a secret (HMAC-SHA256 of the body)',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks',
  shape: jiraShape,
  eventFields: { type: 'webhookEvent' },
});
