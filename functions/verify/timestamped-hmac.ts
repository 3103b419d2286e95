import { allValues, parseParameterList, singleValue } from './parameters.ts';
import { accept, reject, requireHeader, type SchemeInput } from './scheme.ts';
import { signatureBudgetRefusal } from './signature-budget.ts';
import { findMatchingKey, hmac } from './signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from './timestamp.ts';
import type { SchemeVerdict } from './types.ts';

/**
 * One header carrying a signed timestamp and one or more hex HMAC-SHA256 signatures, as
 * `<timestampKey>=<time><separator><signatureKey>=<hex>…`, over `<time><joiner><body>`.
 * Stripe made the shape common; Paddle, Calendly and WorkOS differ only in these fields. The
 * scheme's verifier reads the shape, and its signer (timestamped-hmac.sign.ts) writes it. It
 * names no id header: these providers carry the event id in the signed body (`eventFields`),
 * which the default `signedFields` (scheme.ts) already counts as signed.
 */
export interface TimestampedHmacShape {
  /** Lower-case header name. */
  readonly header: string;
  /** Between entries: `,` or `;`. Whitespace around entries is ignored. */
  readonly separator: string;
  /** Between entries as the provider writes them, e.g. WorkOS's `, `. @default - `separator` */
  readonly writtenSeparator?: string;
  readonly timestampKey: string;
  readonly signatureKey: string;
  /** Between the timestamp text and the body in the signed bytes. */
  readonly joiner: string;
  readonly timestampUnit: 'seconds' | 'milliseconds';
}

type Input = Pick<SchemeInput<unknown>, 'headers' | 'body' | 'keys' | 'nowMs' | 'toleranceSeconds'>;

/**
 * Verifies a {@link TimestampedHmacShape} header. The timestamp is signed exactly as it was
 * sent (its text, not a re-formatted number); any signature entry may match any key, which
 * covers a secret roll on either side; other entry names are skipped. More entries than a
 * roll writes are refused before any HMAC (signature-budget.ts).
 */
export function verifyTimestampedHmac(shape: TimestampedHmacShape, input: Input): SchemeVerdict {
  const { header: name, timestampKey, signatureKey } = shape;
  const header = requireHeader(input.headers, name);
  if (header.rejection) return header.rejection;
  const entries = parseParameterList(header.value, shape.separator);
  const timestampText = entries && singleValue(entries, timestampKey);
  const timestamp =
    timestampText === undefined
      ? undefined
      : parseUnixTimestamp(timestampText, shape.timestampUnit);
  if (entries === undefined || timestampText === undefined || timestamp === undefined) {
    return reject('malformed_header', `${name} needs one numeric ${timestampKey}= entry`);
  }
  const signatures = allValues(entries, signatureKey);
  if (signatures.length === 0) {
    return reject('unsupported_version', `${name} carries no ${signatureKey} signature`);
  }
  const checks = signatures.length * input.keys.length;
  const overBudget = signatureBudgetRefusal(name, signatures.length, checks);
  if (overBudget) return overBudget;
  const keyIndex = findMatchingKey(input.keys, signatures, (key) =>
    hmac('sha256', 'hex', key.value, timestampText, shape.joiner, input.body),
  );
  if (keyIndex < 0) {
    return reject('signature_mismatch', `no ${signatureKey} signature matches any key`);
  }
  return (
    checkTimestamp(timestamp, input.nowMs, input.toleranceSeconds) ??
    accept(keyIndex, { timestamp })
  );
}

/**
 * Slack's shape, which Zoom copies: `<version>=<hex HMAC-SHA256>` in one header, over
 * `<version>:<timestamp>:<body>` with the timestamp (whole Unix seconds) as sent in another.
 * Headers as the provider spells them; each scheme's verifier reads the shape, and its signer
 * (timestamped-hmac.sign.ts) writes it.
 */
export interface VersionedHmacShape {
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  /** Starts both the signature (`v0=`) and the signed text (`v0:`). */
  readonly version: string;
}

/** What a {@link VersionedHmacShape} signs before the body. */
export const versionedHmacBase = (shape: VersionedHmacShape, timestamp: string): string =>
  `${shape.version}:${timestamp}:`;
