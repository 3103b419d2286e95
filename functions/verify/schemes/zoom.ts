import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, requireUnixTimestampHeader } from '../timestamp.ts';
import { type VersionedHmacShape, versionedHmacBase } from '../timestamped-hmac.ts';

/** Zoom's signing shape (Slack's), read by the verifier below and written by zoom.sign.ts. */
export const zoomShape: VersionedHmacShape = {
  signatureHeader: 'x-zm-signature',
  timestampHeader: 'x-zm-request-timestamp',
  version: 'v0',
};

const SIGNATURE = zoomShape.signatureHeader;
const TIMESTAMP = zoomShape.timestampHeader;
const PREFIX = `${zoomShape.version}=`;
const URL_VALIDATION = 'endpoint.url_validation';
const URL_VALIDATION_BYTES = Buffer.from(`"${URL_VALIDATION}"`);

/**
 * Zoom: `x-zm-signature: v0=<hex>`, HMAC-SHA256 over `v0:<x-zm-request-timestamp>:<body>`
 * keyed with the app's Secret Token as text. Zoom signs its `endpoint.url_validation`
 * challenge the same way, so it is verified like any event. Only the top-level `event`
 * field says it is a challenge: after the signature and timestamp pass, and only when the
 * body contains that event name at all, the body is parsed to set `handshake`, which the
 * scheme's `handshake` answers with {@link zoomUrlValidationResponse}.
 */
export const zoom: Scheme = {
  name: 'zoom',
  summary: 'Zoom webhooks (v0, HMAC-SHA256 over timestamp and body)',
  docs: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
  headers: [zoomShape.signatureHeader, zoomShape.timestampHeader],
  keyKind: 'secret',
  // Zoom documents no replay window. Five minutes, as Stripe and Standard Webhooks use,
  // covers clock skew and Zoom's few-second delivery timeout.
  defaultToleranceSeconds: 300,
  eventFields: { type: 'event' },
  handshake: ({ body }, secretToken) => {
    const plainToken = readPlainToken(body);
    if (plainToken === undefined) return undefined;
    const reply = zoomUrlValidationResponse(plainToken, secretToken);
    return { contentType: 'application/json', body: JSON.stringify(reply) };
  },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signature = requireHeader(headers, SIGNATURE);
    if (signature.rejection) return signature.rejection;
    const signed = requireUnixTimestampHeader(headers, TIMESTAMP);
    if (signed.rejection) return signed.rejection;
    if (!signature.value.startsWith(PREFIX)) {
      return reject('unsupported_version', `${SIGNATURE} does not start with ${PREFIX}`);
    }
    const { text: timestampText, seconds: timestamp } = signed;
    const keyIndex = findMatchingKey(keys, [signature.value.slice(PREFIX.length)], (key) =>
      hmac('sha256', 'hex', key.value, versionedHmacBase(zoomShape, timestampText), body),
    );
    if (keyIndex < 0) return reject('signature_mismatch', `${SIGNATURE} matches no key`);
    return (
      checkTimestamp(timestamp, nowMs, toleranceSeconds) ??
      accept(keyIndex, { timestamp, handshake: isUrlValidation(body) ? URL_VALIDATION : undefined })
    );
  },
};

/** Whether a verified body is Zoom's URL-validation challenge; parses only likely bodies. */
function isUrlValidation(body: Uint8Array): boolean {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!bytes.includes(URL_VALIDATION_BYTES)) return false;
  try {
    const document: unknown = JSON.parse(bytes.toString('utf8'));
    return (document as { event?: unknown } | null)?.event === URL_VALIDATION;
  } catch {
    return false;
  }
}

/** `payload.plainToken` of a verified `endpoint.url_validation` body, if a non-empty string. */
function readPlainToken(body: Uint8Array): string | undefined {
  try {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    const token = (JSON.parse(text) as { payload?: { plainToken?: unknown } } | null)?.payload
      ?.plainToken;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JSON reply to Zoom's `endpoint.url_validation` challenge: the `payload.plainToken`
 * of the verified body, and its hex HMAC-SHA256 under the Secret Token (the key that
 * verified the delivery).
 */
export function zoomUrlValidationResponse(
  plainToken: string,
  secretToken: string,
): { plainToken: string; encryptedToken: string } {
  return { plainToken, encryptedToken: hmac('sha256', 'hex', secretToken, plainToken) };
}
