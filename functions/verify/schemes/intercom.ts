import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/** Intercom's signing shape, read by the verifier below and written by intercom.sign.ts. */
export const intercomShape: BodyHmacShape = {
  header: 'X-Hub-Signature',
  algorithm: 'sha1',
  encoding: 'hex',
  prefix: 'sha1=',
};

/**
 * Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the raw body keyed with the app's
 * client secret. SHA-1 is all Intercom offers, so it is accepted here, unlike GitHub's
 * optional SHA-1. The notification id and topic are only in the body (`id`, `topic`).
 */
export const intercom = bodyHmacScheme({
  name: 'intercom',
  summary: 'Intercom webhooks (HMAC-SHA1 of the body)',
  docs: 'https://developers.intercom.com/docs/webhooks',
  shape: intercomShape,
  eventFields: { id: 'id', type: 'topic' },
});
