import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Sanity's signing shape, read by the verifier below and written by sanity.sign.ts. */
export const sanityShape: TimestampedHmacShape = {
  header: 'sanity-webhook-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'milliseconds',
  encoding: 'base64url',
};

/**
 * Sanity GROQ-powered webhooks: `sanity-webhook-signature: t=<unix ms>,v1=<base64url>`,
 * HMAC-SHA256 over `<t>.<body>` keyed with the webhook's secret as text, the digest in
 * unpadded base64url. Sanity's own toolkit, @sanity/webhook 4.0.4, both writes
 * (`encodeSignatureHeader`) and checks (`isValidSignature`) this header; its timestamp is in
 * milliseconds ("must be a unix timestamp with millisecond precision"). The body is the
 * webhook's own GROQ projection, so it has no fixed id or type field to read.
 */
export const sanity: Scheme = {
  name: 'sanity',
  summary: 'Sanity webhooks (v1, base64url HMAC-SHA256 over millisecond timestamp and body)',
  docs: 'https://www.sanity.io/docs/webhooks',
  headers: ['sanity-webhook-signature'],
  keyKind: 'secret',
  // Our choice, not Sanity's: its docs give no window and @sanity/webhook checks none (it only
  // refuses a timestamp before 2021). Five minutes, as for the Stripe shape it copies.
  defaultToleranceSeconds: 300,
  verify: (input) => verifyTimestampedHmac(sanityShape, input),
};
