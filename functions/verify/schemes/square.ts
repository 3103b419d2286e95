import { SchemeOptionsError } from '../errors.ts';
import { type BodyHmacShape, matchBodyHmac } from '../hmac-header.ts';
import { booleanOption, type OptionField, optionParser } from '../options.ts';
import { accept, reject, type Scheme } from '../scheme.ts';
import type { HmacAlgorithm } from '../signatures.ts';

export interface SquareOptions {
  /**
   * The notification URL exactly as entered on the Square webhook subscription. Square signs
   * that text, not the URL we were reached at; behind API Gateway stages, custom domains or
   * proxies the two differ, so set this whenever the request URL may be rewritten.
   * @default - the request URL as received
   */
  readonly notificationUrl?: string;
  /**
   * Accept the legacy `x-square-signature` (base64 HMAC-SHA1 of URL and body) when no
   * SHA-256 signature is sent.
   * @default false
   */
  readonly allowSha1: boolean;
}

/** The legacy SHA-1 signature, read only when enabled; no signer writes it. */
const LEGACY_HEADER = 'x-square-signature';

/** An absolute URL, kept verbatim: Square signs the text, so it must not be normalised. */
const urlOption: OptionField<string | undefined> = (text, name) => {
  if (text === undefined) return undefined;
  if (!URL.canParse(text)) {
    throw new SchemeOptionsError(`option '${name}' must be an absolute URL, got '${text}'`);
  }
  return text;
};

/**
 * Square's signing shape, read by the verifier below and written by square.sign.ts, over
 * {@link squareSignedParts}.
 */
export const squareShape: BodyHmacShape = {
  header: 'x-square-hmacsha256-signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: '',
};

/** What Square signs: the notification URL as entered (else as received), then the raw body. */
export const squareSignedParts = (
  url: string,
  body: Uint8Array,
  options: SquareOptions,
): readonly (string | Uint8Array)[] => [options.notificationUrl ?? url, body];

const SIGNATURE_HEADER = squareShape.header.toLowerCase();

/**
 * Square: `x-square-hmacsha256-signature` is the base64 HMAC-SHA256 of the notification URL
 * followed directly by the raw body, keyed with the subscription's signature key as text.
 * No timestamp is signed. The event id and type are in the body (`event_id`, `type`).
 */
export const square: Scheme<SquareOptions> = {
  name: 'square',
  summary: 'Square webhooks (base64 HMAC-SHA256 of notification URL and body)',
  docs: 'https://developer.squareup.com/docs/webhooks/step3validate',
  headers: [squareShape.header, LEGACY_HEADER],
  keyKind: 'secret',
  eventFields: { id: 'event_id', type: 'type' },
  parseOptions: optionParser<SquareOptions>({
    notificationUrl: urlOption,
    allowSha1: booleanOption(false),
  }),
  verify({ url, headers, body, keys, options }) {
    let header = SIGNATURE_HEADER;
    let algorithm: HmacAlgorithm = squareShape.algorithm;
    if (headers.get(header) === undefined && headers.get(LEGACY_HEADER) !== undefined) {
      if (!options.allowSha1) {
        return reject(
          'unsupported_version',
          'only a sha1 signature was sent and sha1 is not enabled',
        );
      }
      header = LEGACY_HEADER;
      algorithm = 'sha1';
    }
    const signature = headers.get(header);
    if (signature === undefined || signature === '') {
      return reject('missing_header', `${header} header is missing`);
    }
    const match = matchBodyHmac({
      header,
      candidates: [signature],
      keys,
      algorithm,
      encoding: squareShape.encoding,
      signed: squareSignedParts(url, body, options),
    });
    return match.rejection ?? accept(match.keyIndex);
  },
};
