/**
 * Twitch EventSub: `sha256=<hex HMAC-SHA256 of message id + timestamp + body>`, the timestamp
 * RFC 3339. A test delivery is a `notification`; `--event-type` is its subscription type.
 */
import { hmac } from '../../functions/verify/signatures.ts';
import { presentHeaders, type Signer, secretOf } from './signer.ts';

export const twitchSigner: Signer = {
  scheme: 'twitch',
  signsWith: 'secret',
  eventTypeHeader: 'Twitch-Eventsub-Subscription-Type',
  sign({ url, body, key, nowMs, deliveryId, eventType }) {
    const timestamp = new Date(nowMs).toISOString();
    const digest = hmac('sha256', 'hex', secretOf('twitch', key), deliveryId, timestamp, body);
    return {
      url,
      body,
      headers: presentHeaders([
        ['Twitch-Eventsub-Message-Id', deliveryId],
        ['Twitch-Eventsub-Message-Timestamp', timestamp],
        ['Twitch-Eventsub-Message-Signature', `sha256=${digest}`],
        ['Twitch-Eventsub-Message-Type', 'notification'],
        ['Twitch-Eventsub-Subscription-Type', eventType],
      ]),
    };
  },
};
