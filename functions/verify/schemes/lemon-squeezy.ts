import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/** Lemon Squeezy's signing shape, read by the verifier below and written by lemon-squeezy.sign.ts. */
export const lemonSqueezyShape: BodyHmacShape = {
  header: 'X-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: '',
  eventTypeHeader: 'X-Event-Name',
};

/**
 * Lemon Squeezy: `X-Signature` is the hex HMAC-SHA256 of the raw body, keyed with the
 * signing secret chosen when the webhook was created. No timestamp or delivery id is sent;
 * `X-Event-Name` carries the event type.
 */
export const lemonSqueezy = bodyHmacScheme({
  name: 'lemon-squeezy',
  summary: 'Lemon Squeezy webhooks (hex HMAC-SHA256 of the body)',
  docs: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
  shape: lemonSqueezyShape,
});
