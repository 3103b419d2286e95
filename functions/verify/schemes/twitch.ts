import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, parseRfc3339Timestamp } from '../timestamp.ts';

/**
 * Twitch's signing shape, headers as Twitch spells them: read (lower-cased) by the verifier
 * below and written by twitch.sign.ts.
 */
export const twitchShape = {
  headers: {
    id: 'Twitch-Eventsub-Message-Id',
    timestamp: 'Twitch-Eventsub-Message-Timestamp',
    signature: 'Twitch-Eventsub-Message-Signature',
    messageType: 'Twitch-Eventsub-Message-Type',
    subscriptionType: 'Twitch-Eventsub-Subscription-Type',
  },
  /** Before the hex HMAC-SHA256 of message id + timestamp + body. */
  prefix: 'sha256=',
} as const;

const ID = twitchShape.headers.id.toLowerCase();
const TIMESTAMP = twitchShape.headers.timestamp.toLowerCase();
const SIGNATURE = twitchShape.headers.signature.toLowerCase();
const MESSAGE_TYPE = twitchShape.headers.messageType.toLowerCase();
const SUBSCRIPTION_TYPE = twitchShape.headers.subscriptionType.toLowerCase();
const PREFIX = twitchShape.prefix;
const CHALLENGE = 'webhook_callback_verification';

/**
 * Twitch EventSub webhooks: `Twitch-Eventsub-Message-Signature: sha256=<hex>`, HMAC-SHA256
 * over message id + timestamp + body (no separators), keyed with the subscription's
 * `secret` as text. The timestamp is RFC 3339 with nanoseconds and is signed as sent.
 *
 * `Twitch-Eventsub-Message-Type` decides what is reported: a `notification` reports its
 * subscription type (`channel.follow`…) as `eventType`; the `webhook_callback_verification`
 * challenge is a `handshake`, answered by {@link twitchChallengeResponse}; `revocation`
 * and any later type are reported as `eventType` itself, so they are never mistaken for
 * an event of the subscription's type.
 */
export const twitch: Scheme = {
  name: 'twitch',
  summary: 'Twitch EventSub webhooks (HMAC-SHA256 over message id, timestamp and body)',
  docs: 'https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message',
  headers: Object.values(twitchShape.headers),
  keyKind: 'secret',
  eventTypeHeader: twitchShape.headers.subscriptionType,
  // "Guarding against replay attacks": reject a message whose timestamp is older than
  // 10 minutes (same docs page).
  defaultToleranceSeconds: 600,
  // The HMAC is over message id + timestamp + body (below): the id is signed. The message and
  // subscription type headers, which `eventType` comes from, are not.
  signedFields: () => ({ deliveryId: true }),
  handshake: ({ body }) => twitchChallengeResponse(body),
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signature = requireHeader(headers, SIGNATURE);
    if (signature.rejection) return signature.rejection;
    const id = requireHeader(headers, ID);
    if (id.rejection) return id.rejection;
    const timestampHeader = requireHeader(headers, TIMESTAMP);
    if (timestampHeader.rejection) return timestampHeader.rejection;
    if (!signature.value.startsWith(PREFIX)) {
      return reject('unsupported_version', `${SIGNATURE} does not start with ${PREFIX}`);
    }
    const timestamp = parseRfc3339Timestamp(timestampHeader.value);
    if (timestamp === undefined) {
      return reject('malformed_header', `${TIMESTAMP} is not an RFC 3339 date-time`);
    }
    const keyIndex = findMatchingKey(keys, [signature.value.slice(PREFIX.length)], (key) =>
      hmac('sha256', 'hex', key.value, id.value, timestampHeader.value, body),
    );
    if (keyIndex < 0) return reject('signature_mismatch', `${SIGNATURE} matches no key`);
    return (
      checkTimestamp(timestamp, nowMs, toleranceSeconds) ??
      accept(keyIndex, {
        deliveryId: id.value,
        timestamp,
        ...describeMessage(headers.get(MESSAGE_TYPE), headers.get(SUBSCRIPTION_TYPE)),
      })
    );
  },
};

/** What a message type means for the verdict: a handshake, or which event type to report. */
function describeMessage(
  messageType: string | undefined,
  subscriptionType: string | undefined,
): { handshake?: string; eventType?: string | undefined } {
  if (messageType === CHALLENGE) return { handshake: CHALLENGE };
  if (messageType === 'notification') return { eventType: subscriptionType };
  return { eventType: messageType };
}

/**
 * The reply to a verified `webhook_callback_verification` body: status 200 with the
 * `challenge` value as a plain-text body, as Twitch requires. `undefined` when the body
 * holds no string `challenge`.
 */
export function twitchChallengeResponse(
  body: Uint8Array,
): { contentType: 'text/plain'; body: string } | undefined {
  try {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    const challenge = (JSON.parse(text) as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string'
      ? { contentType: 'text/plain', body: challenge }
      : undefined;
  } catch {
    return undefined;
  }
}
