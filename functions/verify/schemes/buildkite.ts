import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Buildkite's signing shape, read by the verifier below and written by buildkite.sign.ts. */
export const buildkiteShape: TimestampedHmacShape = {
  header: 'x-buildkite-signature',
  separator: ',',
  timestampKey: 'timestamp',
  signatureKey: 'signature',
  joiner: '.',
  timestampUnit: 'seconds',
};

/**
 * Buildkite Pipelines (and Package Registries) webhooks with the token sent as a signature:
 * `X-Buildkite-Signature: timestamp=<unix>,signature=<hex>`, HMAC-SHA256 over
 * `<timestamp>.<body>` keyed with the webhook's token as text (the docs' Ruby sample,
 * "Verifying HMAC signatures"). A webhook set to send the token in clear (`X-Buildkite-Token`)
 * is the static scheme's, not this one. The body names the event (`event`, e.g.
 * `build.finished`) and is signed; the `X-Buildkite-Event` header repeats it unsigned, so the
 * body's is reported. No event id is sent: a delivery is known by its body.
 */
export const buildkite: Scheme = {
  name: 'buildkite',
  summary: 'Buildkite webhooks (signature, HMAC-SHA256 over timestamp and body)',
  docs: 'https://buildkite.com/docs/apis/webhooks/pipelines#webhook-signature',
  headers: ['X-Buildkite-Signature'],
  keyKind: 'secret',
  // Buildkite's replay advice: accept a timestamp "within a short window (for example,
  // 5 minutes)" ("Defending against replay attacks", docs above).
  defaultToleranceSeconds: 300,
  eventFields: { type: 'event' },
  verify: (input) => verifyTimestampedHmac(buildkiteShape, input),
};
