import { createVerify, type KeyObject } from 'node:crypto';
import { canonicalBase64 } from '../base64.ts';
import { cachedPublicKey } from '../public-keys.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { checkTimestamp, requireUnixTimestampHeader } from '../timestamp.ts';

/**
 * SendGrid's headers as it spells them: read by the verifier below and written by
 * sendgrid.sign.ts, the base64 DER ECDSA signature over the timestamp text then the body.
 */
export const sendgridHeaders = {
  signature: 'X-Twilio-Email-Event-Webhook-Signature',
  timestamp: 'X-Twilio-Email-Event-Webhook-Timestamp',
} as const;

const SIGNATURE = sendgridHeaders.signature.toLowerCase();
const TIMESTAMP = sendgridHeaders.timestamp.toLowerCase();

/**
 * The verification key as the SendGrid console and API show it: base64 of a DER
 * SubjectPublicKeyInfo for a P-256 key. Parsed keys are cached by their text.
 */
function publicKey(text: string): KeyObject | undefined {
  const trimmed = text.trim();
  const der = canonicalBase64(trimmed);
  if (der === undefined) return undefined;
  const key = cachedPublicKey(`spki-der-base64:${trimmed}`, () => ({
    key: der,
    format: 'der',
    type: 'spki',
  }));
  const isP256 =
    key?.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return isP256 ? key : undefined;
}

/** ECDSA P-256 / SHA-256 over the timestamp text then the raw body; DER signature. */
function signatureValid(key: KeyObject, timestamp: string, body: Uint8Array, signature: Buffer) {
  try {
    return createVerify('sha256').update(timestamp).update(body).verify(key, signature);
  } catch {
    return false;
  }
}

/**
 * SendGrid (Twilio SendGrid) Signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`
 * holds a base64 DER ECDSA P-256 signature over SHA-256 of
 * `<X-Twilio-Email-Event-Webhook-Timestamp><raw body>` (no separator). Each Event Webhook
 * has its own key pair; several keys may be configured, as when a key is regenerated.
 * Events arrive as a JSON array of many events, so there is no single id or type to report.
 */
export const sendgrid: Scheme = {
  name: 'sendgrid',
  summary: 'SendGrid Signed Event Webhook (ECDSA P-256 over timestamp and body)',
  docs: 'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features',
  headers: [sendgridHeaders.signature, sendgridHeaders.timestamp],
  keyKind: 'public-key',
  // SendGrid signs the timestamp but documents no tolerance (neither the page above nor the
  // official SDKs check it). 300 s is our choice, the window Slack and Stripe document;
  // widen it with `toleranceSeconds` if SendGrid's retries turn out to keep their timestamp.
  defaultToleranceSeconds: 300,
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signatureHeader = requireHeader(headers, SIGNATURE);
    if (signatureHeader.rejection) return signatureHeader.rejection;
    const signed = requireUnixTimestampHeader(headers, TIMESTAMP);
    if (signed.rejection) return signed.rejection;
    const { text: timestampText, seconds: timestamp } = signed;
    const signature = canonicalBase64(signatureHeader.value);
    if (signature === undefined) {
      return reject('malformed_header', `${SIGNATURE} is not canonical base64`);
    }
    let unusableKey = false;
    for (let index = 0; index < keys.length; index++) {
      const key = publicKey(keys[index]?.value ?? '');
      if (key === undefined) {
        unusableKey = true;
        continue;
      }
      if (signatureValid(key, timestampText, body, signature)) {
        return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(index, { timestamp });
      }
    }
    // A key that cannot be read is a configuration fault worth surfacing over a mismatch.
    return unusableKey
      ? reject('invalid_key', 'a configured key is not a base64 DER P-256 public key')
      : reject('signature_mismatch', `${SIGNATURE} matches no key`);
  },
};
