import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** WorkOS's signing shape, read by the verifier below and written by workos.sign.ts. */
export const workosShape: TimestampedHmacShape = {
  header: 'workos-signature',
  separator: ',',
  writtenSeparator: ', ',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'milliseconds',
};

/**
 * WorkOS: `WorkOS-Signature: t=<unix ms>, v1=<hex>` (a space after the comma, and the
 * timestamp in milliseconds), HMAC-SHA256 over `<t>.<body>` keyed with the endpoint's
 * webhook secret as text. The millisecond text is signed as sent; the reported timestamp
 * is in seconds.
 */
export const workos: Scheme = {
  name: 'workos',
  summary: 'WorkOS webhooks (v1, HMAC-SHA256 over millisecond timestamp and body)',
  docs: 'https://workos.com/docs/events/data-syncing/webhooks',
  headers: ['WorkOS-Signature'],
  keyKind: 'secret',
  // @workos-inc/node verifyHeader/constructEvent default `tolerance = 180000` ms; the
  // Ruby, Elixir and Rust SDKs also default to 180 s.
  defaultToleranceSeconds: 180,
  eventFields: { id: 'id', type: 'event' },
  verify: (input) => verifyTimestampedHmac(workosShape, input),
};
