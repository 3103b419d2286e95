import { bodyHmacScheme } from '../hmac-header.ts';

/**
 * Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the raw body keyed with the app's
 * client secret. SHA-1 is all Intercom offers, so it is accepted here, unlike GitHub's
 * optional SHA-1. The notification id and topic are only in the body (`id`, `topic`).
 */
export const intercom = bodyHmacScheme({
  name: 'intercom',
  summary: 'Intercom webhooks (HMAC-SHA1 of the body)',
  docs: 'https://developers.intercom.com/docs/webhooks',
  headers: ['X-Hub-Signature'],
  algorithm: 'sha1',
  encoding: 'hex',
  prefix: 'sha1=',
  eventFields: { id: 'id', type: 'topic' },
});
