import type { Scheme } from '../scheme.ts';
import { type TimestampedHmacShape, verifyTimestampedHmac } from '../timestamped-hmac.ts';

/** Persona's signing shape, read by the verifier below and written by persona.sign.ts. */
export const personaShape: TimestampedHmacShape = {
  header: 'persona-signature',
  separator: ',',
  groupSeparator: ' ',
  timestampKey: 't',
  signatureKey: 'v1',
  joiner: '.',
  timestampUnit: 'seconds',
};

/**
 * Persona: `Persona-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 over `<t>.<body>` keyed with
 * the webhook secret as text (`wbhsec_…`). While a secret rotates the header holds two such
 * groups separated by a space, one per secret ("Checking signatures", docs above); any `v1`
 * may match any key, each over its own group's `t`. Events are JSON:API documents whose
 * `data.id` (`evt_…`) and `data.attributes.name` (e.g. `inquiry.approved`) name them.
 */
export const persona: Scheme = {
  name: 'persona',
  summary: 'Persona webhooks (v1, HMAC-SHA256 over timestamp and body)',
  docs: 'https://docs.withpersona.com/docs/webhooks-best-practices#checking-signatures',
  headers: ['Persona-Signature'],
  keyKind: 'secret',
  // Our choice, not Persona's: it asks for the signature check but gives no window for `t`.
  // Five minutes, as for the Stripe shape it copies.
  defaultToleranceSeconds: 300,
  eventFields: { id: 'data.id', type: 'data.attributes.name' },
  verify: (input) => verifyTimestampedHmac(personaShape, input),
};
