import { type KeyObject, verify as verifySignature } from 'node:crypto';
import { canonicalBase64 } from '../base64.ts';
import { ed25519PublicKey } from '../public-keys.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { signatureBudgetRefusal } from '../signature-budget.ts';
import { checkTimestamp, requireUnixTimestampHeader } from '../timestamp.ts';

/**
 * Telnyx's headers as it spells them: read by the verifier below and written by telnyx.sign.ts,
 * the base64 Ed25519 signature of `<telnyx-timestamp>|<raw body>`.
 */
export const telnyxHeaders = {
  signature: 'telnyx-signature-ed25519',
  timestamp: 'telnyx-timestamp',
} as const;

/** What Telnyx signs before the body: the timestamp header's text as sent, then `|`. */
export const telnyxSignedPrefix = (timestamp: string): string => `${timestamp}|`;

/** `text` as exactly `length` bytes of canonical base64, or `undefined`. */
function base64OfLength(text: string, length: number): Buffer | undefined {
  const bytes = canonicalBase64(text);
  return bytes?.length === length ? bytes : undefined;
}

/** The account's public key as Mission Control shows it: base64 of the key's 32 raw bytes. */
function publicKey(text: string): KeyObject | undefined {
  const raw = base64OfLength(text.trim(), 32);
  return raw && ed25519PublicKey(raw);
}

/**
 * Telnyx (API v2 webhooks): `telnyx-signature-ed25519` is the base64 Ed25519 signature of
 * `<telnyx-timestamp>|<raw body>`, checked with the account's public key (base64, from Mission
 * Control, Keys & Credentials). The timestamp is whole Unix seconds. The official SDKs
 * (`telnyx` on npm, lib/webhooks.js; the Ruby gem's `TIMESTAMP_TOLERANCE_SECONDS`) refuse a
 * timestamp more than 300 s either way; the docs leave the window to the application.
 * Events arrive as `{"data": {"id", "event_type", …}, "meta": {"attempt", …}}`, where `data.id`
 * "uniquely identifies the callback event": a retry, whose `meta.attempt` differs, keeps it.
 */
export const telnyx: Scheme = {
  name: 'telnyx',
  summary: 'Telnyx webhooks (Ed25519 over timestamp|body, base64 public key)',
  docs: 'https://developers.telnyx.com/docs/development/api-fundamentals/webhooks',
  headers: [telnyxHeaders.signature, telnyxHeaders.timestamp],
  keyKind: 'public-key',
  defaultToleranceSeconds: 300,
  eventFields: { id: 'data.id', type: 'data.event_type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signatureHeader = requireHeader(headers, telnyxHeaders.signature);
    if (signatureHeader.rejection) return signatureHeader.rejection;
    const signed = requireUnixTimestampHeader(headers, telnyxHeaders.timestamp);
    if (signed.rejection) return signed.rejection;
    const signature = base64OfLength(signatureHeader.value, 64);
    if (signature === undefined) {
      return reject(
        'malformed_header',
        `${telnyxHeaders.signature} is not the canonical base64 of 64 bytes`,
      );
    }
    const publicKeys = keys.map(({ value }) => publicKey(value));
    const usable = publicKeys.filter((key) => key !== undefined).length;
    const overBudget = signatureBudgetRefusal(telnyxHeaders.signature, 1, usable);
    if (overBudget) return overBudget;
    const message = Buffer.concat([Buffer.from(telnyxSignedPrefix(signed.text)), body]);
    const keyIndex = publicKeys.findIndex((key) => {
      if (key === undefined) return false;
      try {
        return verifySignature(null, message, key, signature);
      } catch {
        // A signature node:crypto cannot even process matches nothing.
        return false;
      }
    });
    if (keyIndex >= 0) {
      return (
        checkTimestamp(signed.seconds, nowMs, toleranceSeconds) ??
        accept(keyIndex, { timestamp: signed.seconds })
      );
    }
    // A key that cannot be read is a configuration fault worth surfacing over a mismatch.
    return usable < keys.length
      ? reject('invalid_key', 'a configured key is not the base64 of a 32-byte Ed25519 public key')
      : reject('signature_mismatch', `${telnyxHeaders.signature} matches no configured public key`);
  },
};
