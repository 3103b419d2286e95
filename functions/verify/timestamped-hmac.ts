import { allValues, parseParameterList, singleValue } from './parameters.ts';
import { accept, reject, requireHeader, type SchemeInput } from './scheme.ts';
import { signatureBudgetRefusal } from './signature-budget.ts';
import { type DigestEncoding, findMatchingKey, hmac } from './signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from './timestamp.ts';
import type { SchemeVerdict } from './types.ts';

/**
 * One header carrying a signed timestamp and one or more HMAC-SHA256 signatures, as
 * `<timestampKey>=<time><separator><signatureKey>=<digest>…`, over `<time><joiner><body>`.
 * Stripe made the shape common; Paddle, Calendly, WorkOS, Mux, Buildkite, Persona (hex), Knock
 * (base64) and Sanity (base64url) differ only in these fields. The scheme's verifier reads the
 * shape, and its signer (timestamped-hmac.sign.ts) writes it. It names no id header: these
 * providers carry the event id in the signed body (`eventFields`), if anywhere, which the
 * default `signedFields` (scheme.ts) already counts as signed.
 */
export interface TimestampedHmacShape {
  /** Lower-case header name. */
  readonly header: string;
  /** Between entries: `,` or `;`. Whitespace around entries is ignored. */
  readonly separator: string;
  /** Between entries as the provider writes them, e.g. WorkOS's `, `. @default - `separator` */
  readonly writtenSeparator?: string;
  /**
   * Between whole `<timestamp>…<signature>` groups, for a provider that sends one group per
   * secret while a secret rotates (Persona's space). Each group's signatures are checked over
   * its own timestamp. @default - the header is one group
   */
  readonly groupSeparator?: string;
  readonly timestampKey: string;
  readonly signatureKey: string;
  /** Between the timestamp text and the body in the signed bytes. */
  readonly joiner: string;
  readonly timestampUnit: 'seconds' | 'milliseconds';
  /**
   * How the digest is written: lower-case hex, padded standard base64, or unpadded base64url
   * (RFC 4648 §5). Compared as exact text, as the provider writes it. @default 'hex'
   */
  readonly encoding?: DigestEncoding;
}

/**
 * The digest a {@link TimestampedHmacShape} carries for one key: HMAC-SHA256 of the timestamp
 * text, the joiner and the body, in the shape's encoding. Verifier and signer both use it.
 */
export function timestampedHmacDigest(
  shape: TimestampedHmacShape,
  secret: string,
  timestampText: string,
  body: Uint8Array,
): string {
  return hmac('sha256', shape.encoding ?? 'hex', secret, timestampText, shape.joiner, body);
}

type Input = Pick<SchemeInput<unknown>, 'headers' | 'body' | 'keys' | 'nowMs' | 'toleranceSeconds'>;

/** One signed timestamp as sent (its text is what is signed) and the signatures made over it. */
interface SignedGroup {
  readonly timestampText: string;
  readonly timestamp: number;
  readonly signatures: string[];
}

/**
 * The header's groups, those sharing a timestamp text merged so that it is hashed once per key;
 * `undefined` when any group lacks exactly one numeric timestamp entry or is garbled.
 */
function readGroups(shape: TimestampedHmacShape, value: string): SignedGroup[] | undefined {
  const texts = shape.groupSeparator === undefined ? [value] : value.split(shape.groupSeparator);
  const groups = new Map<string, SignedGroup>();
  for (const text of texts) {
    const entries = parseParameterList(text, shape.separator);
    const timestampText = entries && singleValue(entries, shape.timestampKey);
    if (entries === undefined || timestampText === undefined) return undefined;
    const timestamp = parseUnixTimestamp(timestampText, shape.timestampUnit);
    if (timestamp === undefined) return undefined;
    const group = groups.get(timestampText) ?? { timestampText, timestamp, signatures: [] };
    group.signatures.push(...allValues(entries, shape.signatureKey));
    groups.set(timestampText, group);
  }
  return [...groups.values()];
}

/**
 * Verifies a {@link TimestampedHmacShape} header. The timestamp is signed exactly as it was
 * sent (its text, not a re-formatted number); any signature entry may match any key, which
 * covers a secret roll on either side; other entry names are skipped. More entries than a
 * roll writes are refused before any HMAC (signature-budget.ts). The timestamp checked against
 * the clock is the one the matching signature was made over.
 */
export function verifyTimestampedHmac(shape: TimestampedHmacShape, input: Input): SchemeVerdict {
  const { header: name, timestampKey, signatureKey } = shape;
  const header = requireHeader(input.headers, name);
  if (header.rejection) return header.rejection;
  const groups = readGroups(shape, header.value);
  if (groups === undefined) {
    const each = shape.groupSeparator === undefined ? '' : ' in each group';
    return reject('malformed_header', `${name} needs one numeric ${timestampKey}= entry${each}`);
  }
  let entries = 0;
  for (const group of groups) entries += group.signatures.length;
  if (entries === 0) {
    return reject('unsupported_version', `${name} carries no ${signatureKey} signature`);
  }
  const overBudget = signatureBudgetRefusal(name, entries, entries * input.keys.length);
  if (overBudget) return overBudget;
  for (const { timestampText, timestamp, signatures } of groups) {
    if (signatures.length === 0) continue;
    const keyIndex = findMatchingKey(input.keys, signatures, (key) =>
      timestampedHmacDigest(shape, key.value, timestampText, input.body),
    );
    if (keyIndex >= 0) {
      return (
        checkTimestamp(timestamp, input.nowMs, input.toleranceSeconds) ??
        accept(keyIndex, { timestamp })
      );
    }
  }
  return reject('signature_mismatch', `no ${signatureKey} signature matches any key`);
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
