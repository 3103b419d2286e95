import type { HeaderMap } from '../headers.ts';
import { matchBodyHmac } from '../hmac-header.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { signatureBudgetRefusal } from '../signature-budget.ts';
import { checkTimestamp, requireRfc3339TimestampHeader } from '../timestamp.ts';
import type { SchemeVerdict } from '../types.ts';

/**
 * Box's signing shape (webhooks v2), headers as Box spells them: read (lower-cased) by the
 * verifier below and written by box.sign.ts. Each signature header is the base64 HMAC-SHA256 of
 * the raw body followed by the timestamp header's text, under the app's primary or secondary
 * signature key; the version and algorithm headers have one documented value each.
 */
export const boxShape = {
  signatureHeaders: ['BOX-SIGNATURE-PRIMARY', 'BOX-SIGNATURE-SECONDARY'],
  timestampHeader: 'BOX-DELIVERY-TIMESTAMP',
  fixed: [
    ['BOX-SIGNATURE-VERSION', '1'],
    ['BOX-SIGNATURE-ALGORITHM', 'HmacSHA256'],
  ],
} as const;

const SIGNATURES = boxShape.signatureHeaders.map((name) => name.toLowerCase());
const SIGNATURE_NAMES = SIGNATURES.join(' or ');
const TIMESTAMP = boxShape.timestampHeader.toLowerCase();
const FIXED = boxShape.fixed.map(([name, value]) => [name.toLowerCase(), value] as const);

/**
 * Box webhooks v2: `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`, each
 * base64(HMAC-SHA256(body bytes + BOX-DELIVERY-TIMESTAMP bytes)) keyed with the primary or
 * secondary key as text; `BOX-SIGNATURE-VERSION: 1`, `BOX-SIGNATURE-ALGORITHM: HmacSHA256`.
 * Box says to refuse a timestamp older than ten minutes: 600 s, either way.
 *
 * Keys map to headers loosely: a delivery is accepted when either signature header matches any
 * configured key. That is as safe as a fixed mapping, because each header is an HMAC under one
 * of the app's keys over the same bytes, so the header's name grants nothing: forging either
 * still needs a key. It lets the keys be listed in any order, and keeps a rotation (Box's
 * "reset" of one key while the other stays valid) working whichever key is replaced.
 *
 * The body is signed as sent; the SDK's second try over a PHP-escaped re-serialisation is for
 * callers who only hold a parsed body, which we never are. The body names the event by `id`
 * (kept across retries) and `trigger` (`FILE.UPLOADED`); `BOX-DELIVERY-ID`, which changes on
 * every retry and is not signed, is not read.
 */
export const box: Scheme = {
  name: 'box',
  summary: 'Box webhooks v2 (base64 HMAC-SHA256 over body and RFC 3339 timestamp, two keys)',
  docs: 'https://developer.box.com/guides/webhooks/v2/signatures-v2/',
  headers: [
    ...boxShape.signatureHeaders,
    boxShape.timestampHeader,
    ...boxShape.fixed.map(([name]) => name),
  ],
  keyKind: 'secret',
  defaultToleranceSeconds: 600,
  eventFields: { id: 'id', type: 'trigger' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const candidates: string[] = [];
    for (const name of SIGNATURES) {
      const value = headers.get(name);
      if (value !== undefined && value !== '') candidates.push(value);
    }
    if (candidates.length === 0) return reject('missing_header', `${SIGNATURE_NAMES} is missing`);
    const unsupported = fixedHeaderRefusal(headers);
    if (unsupported) return unsupported;
    const timestamp = requireRfc3339TimestampHeader(headers, TIMESTAMP);
    if (timestamp.rejection) return timestamp.rejection;
    const checks = candidates.length * keys.length;
    const overBudget = signatureBudgetRefusal(SIGNATURE_NAMES, candidates.length, checks);
    if (overBudget) return overBudget;
    const match = matchBodyHmac({
      header: SIGNATURE_NAMES,
      candidates,
      keys,
      algorithm: 'sha256',
      encoding: 'base64',
      signed: [body, timestamp.text],
    });
    if (match.rejection) return match.rejection;
    return (
      checkTimestamp(timestamp.seconds, nowMs, toleranceSeconds) ??
      accept(match.keyIndex, { timestamp: timestamp.seconds })
    );
  },
};

/** A missing version or algorithm header, or a value Box has not documented. */
function fixedHeaderRefusal(headers: HeaderMap): SchemeVerdict | undefined {
  for (const [name, expected] of FIXED) {
    const header = requireHeader(headers, name);
    if (header.rejection) return header.rejection;
    if (header.value !== expected) {
      return reject('unsupported_version', `${name} is not ${expected}`);
    }
  }
  return undefined;
}
