import { bodyHmacScheme } from '../hmac-header.ts';

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
  headers: [
    'X-Shopify-Hmac-Sha256',
    'X-Shopify-Event-Id',
    'X-Shopify-Webhook-Id',
    'X-Shopify-Topic',
  ],
  algorithm: 'sha256',
  encoding: 'base64',
  // https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
  details: (headers) => ({
    deliveryId: headers.get('x-shopify-event-id') ?? headers.get('x-shopify-webhook-id'),
    eventType: headers.get('x-shopify-topic'),
  }),
});
