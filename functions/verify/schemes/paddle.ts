import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Paddle's signing shape, read by the verifier below and written by paddle.sign.ts. */
export const paddleShape: TimestampedHmacShape = {
  header: 'paddle-signature',
  separator: ';',
  timestampKey: 'ts',
  signatureKey: 'h1',
  joiner: ':',
  timestampUnit: 'seconds',
};

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>…]`, HMAC-SHA256 over
 * `<ts>:<body>` keyed with the notification destination's endpoint secret key as text
 * (`pdl_ntfset_…`). Any `h1` may match, for secret rotation; other entries (`h2`…) are skipped.
 */
export const paddle: Scheme = {
  name: 'paddle',
  summary: 'Paddle Billing webhooks (h1, HMAC-SHA256 over timestamp and body)',
  docs: 'https://developer.paddle.com/webhooks/signature-verification',
  headers: ['Paddle-Signature'],
  keyKind: 'secret',
  // Paddle's own SDKs refuse a ts more than 5 s old (MAX_VALID_TIME_DIFFERENCE in
  // paddle-node-sdk, maximum_variance in paddle-python-sdk), and Paddle expects a reply
  // within 5 s (PaddleHQ/paddle-node-sdk#30). Deliveries through a slow path need a wider
  // toleranceSeconds.
  defaultToleranceSeconds: 5,
  eventFields: { id: 'event_id', type: 'event_type' },
  verify: (input) => verifyTimestampedHmac(paddleShape, input),
};
