/**
 * Twitch EventSub: `sha256=<hex HMAC-SHA256 of message id + timestamp + body>`, the timestamp
 * RFC 3339. A test delivery is a `notification`; `--event-type` is its subscription type.
 */
import { presentHeaders, type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { twitchShape } from './twitch.ts';

const { headers: names, prefix } = twitchShape;

export const signer: Signer = {
  scheme: 'twitch',
  signsWith: 'secret',
  eventTypeHeader: names.subscriptionType,
  sign({ url, body, key, nowMs, deliveryId, eventType }) {
    const timestamp = new Date(nowMs).toISOString();
    const digest = hmac('sha256', 'hex', secretOf('twitch', key), deliveryId, timestamp, body);
    return {
      url,
      body,
      headers: presentHeaders([
        [names.id, deliveryId],
        [names.timestamp, timestamp],
        [names.signature, `${prefix}${digest}`],
        [names.messageType, 'notification'],
        [names.subscriptionType, eventType],
      ]),
    };
  },
};
