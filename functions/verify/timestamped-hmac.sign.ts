/**
 * The sender's half of timestamped-hmac.ts: the Stripe shape (Stripe, Paddle, Calendly,
 * WorkOS, Mux, Buildkite, Persona, Knock, Sanity) and Slack's versioned shape (Slack, Zoom),
 * each written as its provider sends it, signed at the clock's time.
 */
import { type Signer, secretOf } from './scheme.sign.ts';
import type { SchemeName } from './schemes/index.ts';
import { hmac } from './signatures.ts';
import {
  type TimestampedHmacShape,
  timestampedHmacDigest,
  type VersionedHmacShape,
  versionedHmacBase,
} from './timestamped-hmac.ts';

/**
 * A signer for a {@link TimestampedHmacShape}: one entry of each kind (one group, as outside a
 * secret rotation), in the shape's lower-case header (header names are case-insensitive, so it
 * is sent as is) and the shape's encoding.
 */
export function timestampedHmacSigner(scheme: SchemeName, shape: TimestampedHmacShape): Signer {
  const { timestampKey, signatureKey } = shape;
  const separator = shape.writtenSeparator ?? shape.separator;
  return {
    scheme,
    signsWith: 'secret',
    sign({ url, body, key, nowMs }) {
      const time = String(
        shape.timestampUnit === 'seconds' ? Math.floor(nowMs / 1000) : Math.floor(nowMs),
      );
      const signature = timestampedHmacDigest(shape, secretOf(scheme, key), time, body);
      return {
        url,
        body,
        headers: {
          [shape.header]: `${timestampKey}=${time}${separator}${signatureKey}=${signature}`,
        },
      };
    },
  };
}

/** A signer for a {@link VersionedHmacShape}, the timestamp in whole Unix seconds. */
export function versionedHmacSigner(scheme: SchemeName, shape: VersionedHmacShape): Signer {
  return {
    scheme,
    signsWith: 'secret',
    sign({ url, body, key, nowMs }) {
      const timestamp = String(Math.floor(nowMs / 1000));
      const base = versionedHmacBase(shape, timestamp);
      const digest = hmac('sha256', 'hex', secretOf(scheme, key), base, body);
      return {
        url,
        body,
        headers: {
          [shape.signatureHeader]: `${shape.version}=${digest}`,
          [shape.timestampHeader]: timestamp,
        },
      };
    },
  };
}
