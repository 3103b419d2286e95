/**
 * The sender's half of hmac-header.ts: a scheme's {@link BodyHmacShape} written as its provider
 * sends it, `<prefix><digest>` in the signature header and the delivery id and event type in
 * theirs. GitHub, Shopify, Intercom, Lemon Squeezy, Xero, Typeform, Bitbucket, Jira, DocuSign,
 * PagerDuty and Linear sign this way; Square too, over its URL and the body.
 */
import type { BodyHmacShape } from './hmac-header.ts';
import { presentHeaders, type Signer, type SignInput, secretOf } from './scheme.sign.ts';
import type { SchemeName } from './schemes/index.ts';
import { hmac } from './signatures.ts';

/** What a shape's HMAC covers. @default - the raw body alone */
type SignedParts<Options> = (input: SignInput<Options>) => readonly (string | Uint8Array)[];

const bodyAlone: SignedParts<unknown> = ({ body }) => [body];

/** A signer for a scheme whose signature is one {@link BodyHmacShape}. */
export function bodyHmacSigner<Options = unknown>(
  scheme: SchemeName,
  shape: BodyHmacShape,
  signed: SignedParts<Options> = bodyAlone,
): Signer<Options> {
  const { header, prefix, algorithm, encoding, idHeaders = [], eventTypeHeader } = shape;
  return {
    scheme,
    signsWith: 'secret',
    ...(eventTypeHeader === undefined ? {} : { eventTypeHeader }),
    sign(input) {
      const { url, body, key, deliveryId, eventType } = input;
      const digest = hmac(algorithm, encoding, secretOf(scheme, key), ...signed(input));
      return {
        url,
        body,
        headers: presentHeaders([
          [header, `${prefix}${digest}`],
          ...idHeaders.map((name) => [name, deliveryId] as const),
          ...(eventTypeHeader === undefined ? [] : [[eventTypeHeader, eventType] as const]),
        ]),
      };
    },
  };
}
