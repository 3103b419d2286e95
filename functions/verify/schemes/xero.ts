import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/** Xero's signing shape, read by the verifier below and written by xero.sign.ts. */
export const xeroShape: BodyHmacShape = {
  header: 'x-xero-signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: '',
};

/**
 * Xero: `x-xero-signature` is the base64 HMAC-SHA256 of the raw body, keyed with the
 * webhook key as text. No timestamp or id header is sent; the body batches several events
 * (`events[]`), so there is no single id or type to report. The "Intent to receive" check
 * sends signed and mis-signed empty batches and expects 401 for the latter, which this
 * rejection provides.
 */
export const xero = bodyHmacScheme({
  name: 'xero',
  summary: 'Xero webhooks (base64 HMAC-SHA256 of the body)',
  docs: 'https://developer.xero.com/documentation/webhooks/configuring-your-server',
  shape: xeroShape,
});
