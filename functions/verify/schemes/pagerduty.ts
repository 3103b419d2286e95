import { deliveryHeaderReader } from '../headers.ts';
import { type BodyHmacShape, shapeHeaders } from '../hmac-header.ts';
import { allValues, parseParameterList } from '../parameters.ts';
import { accept, bodySigned, reject, requireHeader, type Scheme } from '../scheme.ts';
import { signatureBudgetRefusal } from '../signature-budget.ts';
import { findMatchingKey, hmac } from '../signatures.ts';

/** The one signature version PagerDuty writes, as `v1=<hex>` entries. */
const VERSION = 'v1';

/**
 * PagerDuty's signing shape for one secret, read by the verifier below and written by
 * pagerduty.sign.ts; with several secrets PagerDuty joins one `v1=` entry per secret by commas.
 */
export const pagerdutyShape: BodyHmacShape = {
  header: 'X-PagerDuty-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: `${VERSION}=`,
  idHeaders: ['X-Webhook-Id'],
};

const HEADER = pagerdutyShape.header.toLowerCase();
const readDetails = deliveryHeaderReader(pagerdutyShape);

/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of the raw
 * body keyed with the subscription secret as text. PagerDuty signs once per current secret
 * and joins the results with commas, so several `v1` entries appear during a rotation;
 * entries of other versions are skipped, and more than a rotation writes are refused
 * (signature-budget.ts). `X-Webhook-Id` is the same on every retry of a delivery; the
 * event's own id and type are only in the body. No timestamp is signed.
 */
export const pagerduty: Scheme = {
  name: 'pagerduty',
  summary: 'PagerDuty v3 webhooks (v1, HMAC-SHA256 of the body)',
  docs: 'https://developer.pagerduty.com/docs/webhooks/v3-overview/',
  headers: shapeHeaders(pagerdutyShape),
  keyKind: 'secret',
  eventFields: { id: 'event.id', type: 'event.event_type' },
  // The HMAC is of the body alone (below): X-Webhook-Id is not signed, the body's event.id is.
  signedFields: () => bodySigned,
  verify({ headers, body, keys }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const entries = parseParameterList(header.value, ',');
    if (entries === undefined) {
      return reject('malformed_header', `${HEADER} must be a list of version=signature entries`);
    }
    const signatures = allValues(entries, VERSION);
    if (signatures.length === 0) {
      return reject('unsupported_version', `${HEADER} carries no ${VERSION} signature`);
    }
    const checks = signatures.length * keys.length;
    const overBudget = signatureBudgetRefusal(HEADER, signatures.length, checks);
    if (overBudget) return overBudget;
    const { algorithm, encoding } = pagerdutyShape;
    const keyIndex = findMatchingKey(keys, signatures, (key) =>
      hmac(algorithm, encoding, key.value, body),
    );
    if (keyIndex < 0) {
      return reject('signature_mismatch', `no ${VERSION} signature matches any key`);
    }
    return accept(keyIndex, readDetails(headers));
  },
};
