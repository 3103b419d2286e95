import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Stripe's signing shape, read by the verifier below and written by stripe.sign.ts. */
export const stripeShape: TimestampedHmacShape = {
  header: 'stripe-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'seconds',
};

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 over `<t>.<body>`
 * keyed with the whole `whsec_…` string. Several `v1` entries appear while an endpoint
 * secret is being rolled; `v0` and other schemes are ignored.
 */
export const stripe: Scheme = {
  name: 'stripe',
  summary: 'Stripe webhook signatures (v1, HMAC-SHA256 over timestamp and body)',
  docs: 'https://docs.stripe.com/webhooks#verify-manually',
  headers: ['Stripe-Signature'],
  keyKind: 'secret',
  defaultToleranceSeconds: 300,
  eventFields: { id: 'id', type: 'type' },
  verify: (input) => verifyTimestampedHmac(stripeShape, input),
};
