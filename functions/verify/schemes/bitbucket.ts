import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/**
 * Bitbucket's signing shape, read by the verifier below and written by bitbucket.sign.ts as
 * Bitbucket Cloud sends it; Data Center's `X-Request-Id` is read only when Cloud's id is absent.
 */
export const bitbucketShape: BodyHmacShape = {
  header: 'X-Hub-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-Request-UUID'],
  fallbackIdHeaders: ['X-Request-Id'],
  eventTypeHeader: 'X-Event-Key',
};

/**
 * Bitbucket Cloud: a webhook saved with a secret sends `X-Hub-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body keyed with the secret as text. Bitbucket Data Center signs the
 * same way under the same header, so one scheme serves both; Cloud names the delivery
 * `X-Request-UUID` and Data Center `X-Request-Id`. Unlike GitHub, the unsuffixed
 * `X-Hub-Signature` here carries SHA-256; no timestamp is signed.
 */
export const bitbucket = bodyHmacScheme({
  name: 'bitbucket',
  summary: 'Bitbucket Cloud and Data Center webhooks (HMAC-SHA256 of the body)',
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/',
  shape: bitbucketShape,
});
