import { type BodyHmacShape, bodyHmacScheme } from '../hmac-header.ts';

/** Typeform's signing shape, read by the verifier below and written by typeform.sign.ts. */
export const typeformShape: BodyHmacShape = {
  header: 'Typeform-Signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: 'sha256=',
};

/**
 * Typeform: `Typeform-Signature: sha256=<base64>`, the HMAC-SHA256 of the raw body keyed with
 * the webhook secret as text, base64 with padding (Typeform's own examples use
 * `strict_encode64`). No timestamp is signed; the event id and type are only in the body.
 */
export const typeform = bodyHmacScheme({
  name: 'typeform',
  summary: 'Typeform webhooks (HMAC-SHA256 of the body, base64)',
  docs: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
  shape: typeformShape,
  eventFields: { id: 'event_id', type: 'event_type' },
});
