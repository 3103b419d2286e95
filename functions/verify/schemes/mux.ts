import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Mux's signing shape, read by the verifier below and written by mux.sign.ts. */
export const muxShape: TimestampedHmacShape = {
  header: 'mux-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'seconds',
};

/**
 * Mux: `Mux-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 over `<t>.<body>` keyed with the
 * endpoint's signing secret as text; `v1` is the only scheme Mux has. Its webhook spec names
 * `id` and `type` as every event's fields. Mux asks the receiver to bound the timestamp but
 * gives no number: five minutes, as for the Stripe shape it copies.
 */
export const mux: Scheme = {
  name: 'mux',
  summary: 'Mux webhooks (v1, HMAC-SHA256 over timestamp and body)',
  docs: 'https://www.mux.com/docs/core/verify-webhook-signatures',
  headers: ['Mux-Signature'],
  keyKind: 'secret',
  defaultToleranceSeconds: 300,
  eventFields: { id: 'id', type: 'type' },
  verify: (input) => verifyTimestampedHmac(muxShape, input),
};
