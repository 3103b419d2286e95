/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256 of the body>`. The only signed time is the body's
 * `webhookTimestamp` (Unix milliseconds), so the signer sets it to now, as Linear stamps each
 * delivery; the rest of the payload is sent as written.
 */
import { hmac } from '../../functions/verify/signatures.ts';
import { jsonBytes, jsonObjectOf, presentHeaders, type Signer, secretOf } from './signer.ts';

export const linearSigner: Signer = {
  scheme: 'linear',
  signsWith: 'secret',
  eventTypeHeader: 'Linear-Event',
  sign({ url, body, key, nowMs, deliveryId, eventType }) {
    const stamped = jsonBytes({ ...jsonObjectOf('linear', body), webhookTimestamp: nowMs });
    return {
      url,
      body: stamped,
      headers: presentHeaders([
        ['Linear-Signature', hmac('sha256', 'hex', secretOf('linear', key), stamped)],
        ['Linear-Delivery', deliveryId],
        ['Linear-Event', eventType],
      ]),
    };
  },
};
