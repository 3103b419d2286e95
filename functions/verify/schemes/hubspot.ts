import { createHash } from 'node:crypto';
import { booleanOption, optionParser } from '../options.ts';
import { accept, reject, requireHeader, type Scheme, type SchemeInput } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';
import type { SchemeVerdict } from '../types.ts';

export interface HubspotOptions {
  /**
   * Accept a v1 `X-HubSpot-Signature` (SHA-256 of secret and body: no URL, no timestamp)
   * when no v3 signature is sent.
   * @default false
   */
  readonly allowV1: boolean;
  /**
   * Accept a v2 `X-HubSpot-Signature` (SHA-256 of secret, method, URL and body: no
   * timestamp) when no v3 signature is sent.
   * @default false
   */
  readonly allowV2: boolean;
}

/** HubSpot's v3 headers as it spells them: read by the verifier below, written by hubspot.sign.ts. */
export const hubspotV3Headers = {
  signature: 'X-HubSpot-Signature-v3',
  timestamp: 'X-HubSpot-Request-Timestamp',
} as const;

const V3 = hubspotV3Headers.signature.toLowerCase();
const TIMESTAMP = hubspotV3Headers.timestamp.toLowerCase();
const LEGACY = 'x-hubspot-signature';
const LEGACY_VERSION = 'x-hubspot-signature-version';

/**
 * The characters HubSpot's v3 instructions say to percent-decode in the request URI before
 * signing (and only these: `%20`, `%26`, `%3D`… stay encoded). One pass, so `%253A` stays
 * as it is. Hex digits are matched in either case, as RFC 3986 makes them equivalent.
 */
const DECODED_IN_URI = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

function signedUri(url: string): string {
  return url.replace(DECODED_IN_URI, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** What v3 signs, base64 HMAC-SHA256: method + URI + body + the timestamp text as sent. */
export const hubspotV3SignedParts = (
  method: string,
  url: string,
  body: Uint8Array,
  timestamp: string,
): readonly (string | Uint8Array)[] => [method, signedUri(url), body, timestamp];

function sha256Hex(...parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * HubSpot v3: `X-HubSpot-Signature-v3` is base64 HMAC-SHA256, keyed with the app's client
 * secret, over method + URI + body + `X-HubSpot-Request-Timestamp` (Unix milliseconds, as
 * sent). The URI is the full URL HubSpot called, with the few characters above decoded.
 * v1 and v2 (`X-HubSpot-Signature`, named by `X-HubSpot-Signature-Version`) are plain
 * SHA-256 digests with no timestamp, so anyone who saw one delivery can replay it forever:
 * they are refused unless enabled. When a v3 signature is present, it alone decides.
 */
export const hubspot: Scheme<HubspotOptions> = {
  name: 'hubspot',
  summary: 'HubSpot request signatures (v3 HMAC-SHA256 with timestamp; v1/v2 only when enabled)',
  docs: 'https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation',
  headers: [
    hubspotV3Headers.signature,
    hubspotV3Headers.timestamp,
    'X-HubSpot-Signature',
    'X-HubSpot-Signature-Version',
  ],
  keyKind: 'secret',
  // HubSpot's docs: "Reject the request if the timestamp is older than 5 minutes"
  // (MAX_ALLOWED_TIMESTAMP = 300000 ms in its sample and in @hubspot/api-client).
  defaultToleranceSeconds: 300,
  parseOptions: optionParser<HubspotOptions>({
    allowV1: booleanOption(false),
    allowV2: booleanOption(false),
  }),
  verify(input) {
    const { headers, options } = input;
    if (headers.get(V3)) return verifyV3(input);
    if (!headers.get(LEGACY)) return reject('missing_header', `${V3} header is missing`);
    const version = requireHeader(headers, LEGACY_VERSION);
    if (version.rejection) return version.rejection;
    if (version.value === 'v1' && options.allowV1) return verifyLegacy(input, 'v1');
    if (version.value === 'v2' && options.allowV2) return verifyLegacy(input, 'v2');
    return reject(
      'unsupported_version',
      `no ${V3} header, and the ${LEGACY_VERSION} sent is not an enabled version`,
    );
  },
};

function verifyV3({
  method,
  url,
  headers,
  body,
  keys,
  nowMs,
  toleranceSeconds,
}: SchemeInput<HubspotOptions>): SchemeVerdict {
  const timestampHeader = requireHeader(headers, TIMESTAMP);
  if (timestampHeader.rejection) return timestampHeader.rejection;
  const timestampText = timestampHeader.value;
  const timestamp = parseUnixTimestamp(timestampText, 'milliseconds');
  if (timestamp === undefined) {
    return reject('malformed_header', `${TIMESTAMP} must be Unix milliseconds`);
  }
  const signed = hubspotV3SignedParts(method, url, body, timestampText);
  const keyIndex = findMatchingKey(keys, [headers.get(V3) as string], (key) =>
    hmac('sha256', 'base64', key.value, ...signed),
  );
  if (keyIndex < 0) return reject('signature_mismatch', `${V3} matches no key`);
  return (
    checkTimestamp(timestamp, nowMs, toleranceSeconds) ??
    accept(keyIndex, { timestamp: Math.floor(timestamp) })
  );
}

/** v1: SHA-256 of secret + body; v2: SHA-256 of secret + method + URI (as received) + body. */
function verifyLegacy(
  { method, url, headers, body, keys }: SchemeInput<HubspotOptions>,
  version: 'v1' | 'v2',
): SchemeVerdict {
  const keyIndex = findMatchingKey(keys, [headers.get(LEGACY) as string], (key) =>
    version === 'v1' ? sha256Hex(key.value, body) : sha256Hex(key.value, method, url, body),
  );
  if (keyIndex < 0) return reject('signature_mismatch', `${version} ${LEGACY} matches no key`);
  return accept(keyIndex);
}
