import { bodyHmacScheme } from '../hmac-header.ts';

/**
 * Lemon Squeezy: `X-Signature` is the hex HMAC-SHA256 of the raw body, keyed with the
 * signing secret chosen when the webhook was created. No timestamp or delivery id is sent;
 * `X-Event-Name` carries the event type.
 */
export const lemonSqueezy = bodyHmacScheme({
  name: 'lemon-squeezy',
  summary: 'Lemon Squeezy webhooks (hex HMAC-SHA256 of the body)',
  docs: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
  headers: ['X-Signature', 'X-Event-Name'],
  algorithm: 'sha256',
  encoding: 'hex',
  details: (headers) => ({ eventType: headers.get('x-event-name') }),
});
