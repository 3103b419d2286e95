import { deliveryHeaderReader } from '../headers.ts';
import { type BodyHmacShape, matchBodyHmac } from '../hmac-header.ts';
import { accept, requireHeader, type Scheme } from '../scheme.ts';
import { checkTimestamp, requireRfc3339TimestampHeader } from '../timestamp.ts';

/**
 * Zendesk's signing shape, headers as Zendesk spells them: read (lower-cased) by the verifier
 * below and written by zendesk.sign.ts. The base64 HMAC-SHA256 covers the timestamp header's
 * text and then the raw body, with no separator.
 */
export const zendeskShape = {
  signature: {
    header: 'X-Zendesk-Webhook-Signature',
    algorithm: 'sha256',
    encoding: 'base64',
    prefix: '',
    // Every attempt of one invocation carries the same id; it is not signed.
    idHeaders: ['X-Zendesk-Webhook-Invocation-Id'],
  } satisfies BodyHmacShape,
  timestampHeader: 'X-Zendesk-Webhook-Signature-Timestamp',
} as const;

const SIGNATURE = zendeskShape.signature.header.toLowerCase();
const TIMESTAMP = zendeskShape.timestampHeader.toLowerCase();
const readDetails = deliveryHeaderReader(zendeskShape.signature);

/**
 * Zendesk webhooks: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(TIMESTAMP + BODY)),
 * the timestamp being `X-Zendesk-Webhook-Signature-Timestamp` as sent (RFC 3339, e.g.
 * `2021-03-25T05:09:27Z`), keyed with the webhook's signing secret as text (not decoded from
 * base64). A test request sent before the webhook exists is signed with Zendesk's static
 * secret `dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==`, which no receiver should keep.
 * Zendesk says the signature helps against replays but gives no window: five minutes, our
 * choice, as for the Stripe shape. Event-subscription bodies carry `id` and `type`
 * (webhook event types reference); trigger and automation bodies are the operator's own.
 * The invocation id is reported but unsigned (`signedFields` default: body only).
 */
export const zendesk: Scheme = {
  name: 'zendesk',
  summary: 'Zendesk webhooks (base64 HMAC-SHA256 over RFC 3339 timestamp and body)',
  docs: 'https://developer.zendesk.com/documentation/webhooks/verifying/',
  headers: [
    zendeskShape.signature.header,
    zendeskShape.timestampHeader,
    ...zendeskShape.signature.idHeaders,
  ],
  keyKind: 'secret',
  defaultToleranceSeconds: 300,
  eventFields: { id: 'id', type: 'type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signature = requireHeader(headers, SIGNATURE);
    if (signature.rejection) return signature.rejection;
    const timestamp = requireRfc3339TimestampHeader(headers, TIMESTAMP);
    if (timestamp.rejection) return timestamp.rejection;
    const { algorithm, encoding } = zendeskShape.signature;
    const match = matchBodyHmac({
      header: SIGNATURE,
      candidates: [signature.value],
      keys,
      algorithm,
      encoding,
      signed: [timestamp.text, body],
    });
    if (match.rejection) return match.rejection;
    return (
      checkTimestamp(timestamp.seconds, nowMs, toleranceSeconds) ??
      accept(match.keyIndex, { timestamp: timestamp.seconds, ...readDetails(headers) })
    );
  },
};
