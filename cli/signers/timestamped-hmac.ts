/**
 * The Stripe shape, `<t>=<time><sep><v>=<hex HMAC-SHA256 of time + joiner + body>` in one
 * header, which Paddle, Calendly and WorkOS copy with other names and separators.
 */

import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import type { TimestampedHmacShape } from '../../functions/verify/timestamped-hmac.ts';
import { type Signer, secretOf } from './signer.ts';

/**
 * The verifier's shape (header names are case-insensitive, so its lower-case name is sent as
 * is), with the separator as the provider writes it and the scheme it signs for.
 */
interface TimestampedHmacFormat extends Omit<TimestampedHmacShape, 'separator'> {
  readonly scheme: SchemeName;
  /** Written between the two entries, e.g. `,` or WorkOS's `, `. */
  readonly separator: string;
}

function timestampedHmacSigner(format: TimestampedHmacFormat): Signer {
  return {
    scheme: format.scheme,
    signsWith: 'secret',
    sign({ url, body, key, nowMs }) {
      const time = String(
        format.timestampUnit === 'seconds' ? Math.floor(nowMs / 1000) : Math.floor(nowMs),
      );
      const signature = hmac(
        'sha256',
        'hex',
        secretOf(format.scheme, key),
        time,
        format.joiner,
        body,
      );
      const { timestampKey, signatureKey, separator } = format;
      return {
        url,
        body,
        headers: {
          [format.header]: `${timestampKey}=${time}${separator}${signatureKey}=${signature}`,
        },
      };
    },
  };
}

export const stripeSigner = timestampedHmacSigner({
  scheme: 'stripe',
  header: 'stripe-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'seconds',
});

export const paddleSigner = timestampedHmacSigner({
  scheme: 'paddle',
  header: 'paddle-signature',
  separator: ';',
  timestampKey: 'ts',
  signatureKey: 'h1',
  joiner: ':',
  timestampUnit: 'seconds',
});

export const calendlySigner = timestampedHmacSigner({
  scheme: 'calendly',
  header: 'calendly-webhook-signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'seconds',
});

export const workosSigner = timestampedHmacSigner({
  scheme: 'workos',
  header: 'workos-signature',
  separator: ', ',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'milliseconds',
});
