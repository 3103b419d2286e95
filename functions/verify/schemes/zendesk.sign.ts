/**
 * Zendesk: base64 HMAC-SHA256 of the timestamp text then the body, the timestamp RFC 3339 in
 * whole seconds as Zendesk writes it (`2021-03-25T05:09:27Z`); the delivery id travels as the
 * (unsigned) invocation id.
 */
import { presentHeaders, type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { zendeskShape } from './zendesk.ts';

const { signature, timestampHeader } = zendeskShape;

export const signer: Signer = {
  scheme: 'zendesk',
  signsWith: 'secret',
  sign({ url, body, key, nowMs, deliveryId }) {
    const timestamp = `${new Date(nowMs).toISOString().slice(0, 19)}Z`;
    const { algorithm, encoding } = signature;
    const digest = hmac(algorithm, encoding, secretOf('zendesk', key), timestamp, body);
    return {
      url,
      body,
      headers: presentHeaders([
        [signature.header, digest],
        [timestampHeader, timestamp],
        ...signature.idHeaders.map((name) => [name, deliveryId] as const),
      ]),
    };
  },
};
