import { allValues, parseParameterList, singleValue } from '../parameters.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';

const HEADER = 'stripe-signature';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 over `<t>.<body>`
 * keyed with the whole `whsec_…` string. Several `v1` entries appear while an endpoint
 * secret is being rolled; `v0` and other schemes are ignored.
 */
export const stripe: Scheme = {
  name: 'stripe',
  summary: 'Stripe webhook signatures (v1, HMAC-SHA256 over timestamp and body)',
  docs: 'https://docs.stripe.com/webhooks#verify-manually',
  headers: ['Stripe-Signature'],
  keyKind: 'secret',
  defaultToleranceSeconds: 300,
  eventFields: { id: 'id', type: 'type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const entries = parseParameterList(header.value, ',');
    const timestampText = entries && singleValue(entries, 't');
    const timestamp = timestampText === undefined ? undefined : parseUnixTimestamp(timestampText);
    if (entries === undefined || timestampText === undefined || timestamp === undefined) {
      return reject('malformed_header', `${HEADER} needs one numeric t= entry`);
    }
    const signatures = allValues(entries, 'v1');
    if (signatures.length === 0) {
      return reject('unsupported_version', `${HEADER} carries no v1 signature`);
    }
    const keyIndex = findMatchingKey(keys, signatures, (key) =>
      hmac('sha256', 'hex', key.value, `${timestampText}.`, body),
    );
    if (keyIndex < 0) return reject('signature_mismatch', 'no v1 signature matches any key');
    return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp });
  },
};
