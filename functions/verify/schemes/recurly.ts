import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { signatureBudgetRefusal } from '../signature-budget.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';

/** Recurly's one header, as it spells it: read below and written by recurly.sign.ts. */
export const recurlyHeader = 'recurly-signature';

/** Recurly's signature at a millisecond timestamp text: hex HMAC-SHA256 of `<t>.<body>`. */
export const recurlySignature = (secret: string, timestamp: string, body: Uint8Array): string =>
  hmac('sha256', 'hex', secret, timestamp, '.', body);

/**
 * Recurly (JSON webhooks; XML ones are not signed): `recurly-signature: <t>,<hex>[,<hex>…]`,
 * the first element a Unix timestamp in milliseconds, each other a hex HMAC-SHA256 of
 * `<t>.<raw body>` keyed with the endpoint's secret key as text. For 24 hours after the key
 * is regenerated both keys sign, so two signatures arrive. "Any other format is invalid." The
 * timestamp is signed as its text; the reported one is in seconds.
 */
export const recurly: Scheme = {
  name: 'recurly',
  summary: 'Recurly JSON webhooks (HMAC-SHA256 over millisecond timestamp and body)',
  docs: 'https://docs.recurly.com/recurly-subscriptions/docs/signature-verification',
  headers: [recurlyHeader],
  keyKind: 'secret',
  // Recurly's client libraries default to 5 minutes (recurly-client-ruby, lib/recurly/
  // webhooks.rb: `DEFAULT_TOLERANCE = 5 * 60 * 1000` ms, either way); its docs name none.
  defaultToleranceSeconds: 300,
  // No `id`: a JSON notification's `id` names the object (the docs show one external
  // subscription's `created` and `renewed` notifications with the same `id`), so it must not
  // key deduplication; the body's SHA-256, which covers `event_time`, does.
  eventFields: { type: 'event_type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const header = requireHeader(headers, recurlyHeader);
    if (header.rejection) return header.rejection;
    const [timestampText = '', ...signatures] = header.value.split(',');
    const timestamp = parseUnixTimestamp(timestampText, 'milliseconds');
    if (timestamp === undefined || signatures.length === 0) {
      return reject(
        'malformed_header',
        `${recurlyHeader} needs a millisecond timestamp then signatures, comma-separated`,
      );
    }
    const overBudget = signatureBudgetRefusal(
      recurlyHeader,
      signatures.length,
      signatures.length * keys.length,
    );
    if (overBudget) return overBudget;
    const keyIndex = findMatchingKey(keys, signatures, (key) =>
      recurlySignature(key.value, timestampText, body),
    );
    if (keyIndex < 0) return reject('signature_mismatch', 'no signature matches any key');
    return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp });
  },
};
