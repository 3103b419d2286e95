/**
 * Linear: the body's `webhookTimestamp` is the only signed time, so the signer sets it to now,
 * as Linear stamps each delivery, and signs the stamped body; the rest of the payload is sent
 * as written.
 */
import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { jsonBytes, jsonObjectOf, type Signer } from '../scheme.sign.ts';
import { linearShape } from './linear.ts';

const bodySigner = bodyHmacSigner('linear', linearShape);

export const signer: Signer = {
  ...bodySigner,
  sign(input) {
    const document = {
      ...jsonObjectOf('linear', input.body),
      [linearShape.timestampField]: input.nowMs,
    };
    return bodySigner.sign({ ...input, body: jsonBytes(document) });
  },
};
