import { type DeliveryHeaders, deliveryHeaderReader } from './headers.ts';
import { accept, bodySigned, reject, requireHeader, type Scheme } from './scheme.ts';
import { type DigestEncoding, findMatchingKey, type HmacAlgorithm, hmac } from './signatures.ts';
import type { SchemeVerdict, VerificationKey } from './types.ts';

/** What a digest looks like in each encoding, so a garbled header is told apart from a forged one. */
const digestText: Record<DigestEncoding, RegExp> = {
  hex: /^[0-9a-fA-F]+$/,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  base64url: /^[A-Za-z0-9_-]+$/,
};

/** The HMAC one key gives the signed parts, and where the candidate signatures came from. */
export interface BodyHmacCheck {
  /** Named in rejections; never its value. */
  readonly header: string;
  /** Received signature texts; any one matching any key is enough. */
  readonly candidates: readonly string[];
  readonly keys: readonly VerificationKey[];
  readonly algorithm: HmacAlgorithm;
  readonly encoding: DigestEncoding;
  /** The signed bytes in order, e.g. the raw body alone, or a URL then the body. */
  readonly signed: readonly (string | Uint8Array)[];
}

/**
 * Index of the first key whose HMAC of the signed parts equals a candidate, compared as
 * exact text (the provider's own encoding), or the rejection explaining why none does.
 * Each key is used as the UTF-8 bytes of the secret text the provider hands out.
 */
export function matchBodyHmac(
  check: BodyHmacCheck,
): { keyIndex: number; rejection?: never } | { keyIndex?: never; rejection: SchemeVerdict } {
  const keyIndex = findMatchingKey(check.keys, check.candidates, (key) =>
    hmac(check.algorithm, check.encoding, key.value, ...check.signed),
  );
  if (keyIndex >= 0) return { keyIndex };
  // Only a refusal needs telling apart garbage from a forgery, so the shape check waits:
  // a malformed text can never equal a digest, whatever the key.
  const shape = digestText[check.encoding];
  const rejection = check.candidates.some((candidate) => shape.test(candidate))
    ? reject('signature_mismatch', `${check.header} matches no key`)
    : reject('malformed_header', `${check.header} is not a ${check.encoding} digest`);
  return { rejection };
}

/** How a provider writes one HMAC into a header: `<prefix><encoded digest>`. */
export interface PrefixedHmac {
  readonly algorithm: HmacAlgorithm;
  /** Text before the digest, such as GitHub's `sha256=`; may be empty. */
  readonly prefix: string;
  readonly encoding: DigestEncoding;
}

/**
 * Checks a header holding one `<prefix><digest>` signature (GitHub's and Atlassian's
 * `sha256=<hex>`, Typeform's `sha256=<base64>`, Linear's bare hex) against every key.
 * `signed` is what the provider feeds the HMAC, in order; byte parts are never decoded.
 */
export function matchPrefixedHmac(
  header: string,
  received: string,
  format: PrefixedHmac,
  keys: readonly VerificationKey[],
  signed: readonly (string | Uint8Array)[],
): { keyIndex: number; rejection?: never } | { keyIndex?: never; rejection: SchemeVerdict } {
  const { algorithm, prefix, encoding } = format;
  if (!received.startsWith(prefix)) {
    // `sha1=…` where `sha256=…` is expected is another version, not garbage.
    const rejection = /^[A-Za-z0-9-]+=/.test(received)
      ? reject('unsupported_version', `${header} does not start with ${prefix}`)
      : reject('malformed_header', `${header} has no algorithm prefix`);
    return { rejection };
  }
  const candidates = [received.slice(prefix.length)];
  return matchBodyHmac({ header, candidates, keys, algorithm, encoding, signed });
}

/**
 * How a provider writes one HMAC into a header and names the delivery in others, each header
 * as the provider spells it: the scheme's verifier reads this shape, and its signer
 * (`<scheme>.sign.ts`, through hmac-header.sign.ts) writes it.
 */
export interface BodyHmacShape extends PrefixedHmac, DeliveryHeaders {
  /** The signature header. */
  readonly header: string;
}

/** Every header a shape names, signature first, as the provider spells them. */
export function shapeHeaders(shape: BodyHmacShape): [signature: string, ...others: string[]] {
  const { header, idHeaders = [], fallbackIdHeaders = [], eventTypeHeader } = shape;
  return [
    header,
    ...idHeaders,
    ...fallbackIdHeaders,
    ...(eventTypeHeader === undefined ? [] : [eventTypeHeader]),
  ];
}

/** A provider that signs only the raw body, with one signature in one header. */
export interface BodyHmacSpec {
  readonly name: string;
  readonly summary: string;
  readonly docs: string;
  readonly shape: BodyHmacShape;
  /** Where the id and type sit in the JSON body. @default - not in the body */
  readonly eventFields?: Scheme['eventFields'];
}

/**
 * A scheme for the common "HMAC of the raw body in one header" shape (Shopify, Xero,
 * Lemon Squeezy, Intercom, Typeform, Bitbucket, Jira): no timestamp is signed, so such a
 * delivery can be replayed as is; deduplication is the only defence, and it lives downstream.
 * The HMAC covers the body alone, so the shape's id and type headers are never signed: a
 * replay may change or drop them, and the delivery is known by its body (`signedFields`).
 */
export function bodyHmacScheme(spec: BodyHmacSpec): Scheme {
  const { shape } = spec;
  const header = shape.header.toLowerCase();
  const readDetails = deliveryHeaderReader(shape);
  return {
    name: spec.name,
    summary: spec.summary,
    docs: spec.docs,
    headers: shapeHeaders(shape),
    keyKind: 'secret',
    ...(spec.eventFields === undefined ? {} : { eventFields: spec.eventFields }),
    ...(shape.eventTypeHeader === undefined ? {} : { eventTypeHeader: shape.eventTypeHeader }),
    // The signed bytes are `[body]` (below): no header is among them.
    signedFields: () => bodySigned,
    verify({ headers, body, keys }) {
      const received = requireHeader(headers, header);
      if (received.rejection) return received.rejection;
      const match = matchPrefixedHmac(header, received.value, shape, keys, [body]);
      if (match.rejection) return match.rejection;
      return accept(match.keyIndex, readDetails(headers));
    },
  };
}
