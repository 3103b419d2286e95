import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/**
 * Shopify's signing shape, read by the verifier below and written by shopify.sign.ts. Shopify
 * sends both id headers; the event id is preferred (its duplicate-detection key, see
 * https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates).
 */
export const shopifyShape: BodyHmacShape = {
  header: 'X-Shopify-Hmac-Sha256',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: '',
  idHeaders: ['X-Shopify-Event-Id', 'X-Shopify-Webhook-Id'],
  eventTypeHeader: 'X-Shopify-Topic',
};

/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed with the
 * app's client secret. Shopify signs no timestamp. The delivery id is `X-Shopify-Event-Id`,
 * which Shopify documents as the duplicate-detection key (the same across retries and
 * across subscriptions to one event); `X-Shopify-Webhook-Id` stands in when it is absent.
 * Rotating the client secret: offer both secrets while Shopify switches over.
 */
export const shopify = bodyHmacScheme({
  name: 'shopify',
  summary: 'Shopify webhooks (base64 HMAC-SHA256 of the body)',
  docs: 'https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook',
  shape: shopifyShape,
});
