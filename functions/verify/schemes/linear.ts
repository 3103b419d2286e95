import { deliveryHeaderReader } from '../headers.ts';
import { type BodyHmacShape, matchPrefixedHmac, shapeHeaders } from '../hmac-header.ts';
import { accept, bodySigned, reject, requireHeader, type Scheme } from '../scheme.ts';
import { checkTimestamp } from '../timestamp.ts';

/**
 * Linear's signing shape, read by the verifier below and written by linear.sign.ts: the HMAC
 * of the body, whose `timestampField` (Unix milliseconds) is the only signed time.
 */
export const linearShape = {
  header: 'Linear-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: '',
  idHeaders: ['Linear-Delivery'],
  eventTypeHeader: 'Linear-Event',
  timestampField: 'webhookTimestamp',
} as const satisfies BodyHmacShape & { readonly timestampField: string };

const HEADER = linearShape.header.toLowerCase();
const readDetails = deliveryHeaderReader(linearShape);

/**
 * Linear: `Linear-Signature: <hex>`, HMAC-SHA256 of the raw body keyed with the webhook's
 * signing secret as text. The only signed timestamp is the body's `webhookTimestamp`
 * (Unix milliseconds), so this scheme must parse the JSON body, and does so only after the
 * signature matched. Linear also sends a `Linear-Timestamp` header, but it is not signed and
 * Linear's SDK (`LinearWebhookClient.verify`, @linear/sdk 98) ignores it, as we do.
 */
export const linear: Scheme = {
  name: 'linear',
  summary: 'Linear webhooks (HMAC-SHA256 of the body; signed webhookTimestamp in the body)',
  docs: 'https://linear.app/developers/webhooks#securing-webhooks',
  headers: shapeHeaders(linearShape),
  keyKind: 'secret',
  eventTypeHeader: linearShape.eventTypeHeader,
  // The HMAC is of the body alone (`[body]` below): Linear-Delivery and Linear-Event are not
  // signed, only the body's webhookTimestamp bounds how long a replay is accepted.
  signedFields: () => bodySigned,
  // Linear recommends rejecting a webhookTimestamp more than a minute from the receiver's
  // clock (docs above); @linear/sdk 98's verify() enforces |now - webhookTimestamp| <= 60 000 ms.
  defaultToleranceSeconds: 60,
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const match = matchPrefixedHmac(HEADER, header.value, linearShape, keys, [body]);
    if (match.rejection) return match.rejection;
    const signedMs = webhookTimestamp(body);
    if (signedMs === undefined) {
      return reject('malformed_body', 'body has no numeric webhookTimestamp');
    }
    const timestamp = signedMs / 1000;
    return (
      checkTimestamp(timestamp, nowMs, toleranceSeconds) ??
      accept(match.keyIndex, { ...readDetails(headers), timestamp })
    );
  },
};

/** The body's `webhookTimestamp` in milliseconds, if the body is a JSON object carrying one. */
function webhookTimestamp(body: Uint8Array): number | undefined {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString());
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null) return undefined;
  const value = (document as Record<string, unknown>)[linearShape.timestampField];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
