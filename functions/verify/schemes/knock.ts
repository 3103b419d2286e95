import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Knock's signing shape, read by the verifier below and written by knock.sign.ts. */
export const knockShape: TimestampedHmacShape = {
  header: 'x-knock-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 's',
  joiner: '.',
  timestampUnit: 'milliseconds',
  encoding: 'base64',
};

/**
 * Knock outbound webhooks: `x-knock-signature: t=<unix ms>,s=<base64>`, HMAC-SHA256 over
 * `<t>.<body>` keyed with the webhook's secret key as text, the digest in padded base64 (the
 * docs' Node sample, `digest("base64")`). Knock follows Stripe but, unlike Stripe, signs the
 * timestamp in milliseconds. The body's `type` (e.g. `message.sent`) is signed; the
 * `x-knock-event` header repeats it unsigned, so the body's is reported. No event id is sent.
 */
export const knock: Scheme = {
  name: 'knock',
  summary: 'Knock webhooks (s, base64 HMAC-SHA256 over millisecond timestamp and body)',
  docs: 'https://docs.knock.app/developer-tools/outbound-webhooks/overview#verifying-the-signature',
  headers: ['x-knock-signature'],
  keyKind: 'secret',
  // Knock's docs suggest rejecting a timestamp more than five minutes from the current time,
  // and their sample checks |now - t| < 300 000 ms.
  defaultToleranceSeconds: 300,
  eventFields: { type: 'type' },
  verify: (input) => verifyTimestampedHmac(knockShape, input),
};
