import { verify as verifySignature } from 'node:crypto';
import { ed25519PublicKey } from '../public-keys.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { checkTimestamp, requireUnixTimestampHeader } from '../timestamp.ts';

/**
 * Discord's headers as it spells them: read by the verifier below and written by
 * discord.sign.ts, the lowercase hex Ed25519 signature of the timestamp text then the body.
 */
export const discordHeaders = {
  signature: 'X-Signature-Ed25519',
  timestamp: 'X-Signature-Timestamp',
} as const;

const SIGNATURE = discordHeaders.signature.toLowerCase();
const TIMESTAMP = discordHeaders.timestamp.toLowerCase();
const PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;
const LOWER_HEX = /^[0-9a-f]*$/;

/**
 * Discord interactions (and app webhook events): `X-Signature-Ed25519` is the hex Ed25519
 * signature of `X-Signature-Timestamp` followed directly by the body, checked with the
 * application's public key (64 hex characters, from the Developer Portal).
 *
 * Discord sends the signature in lowercase hex and we accept only that: node's hex decoder
 * ignores case and stops at the first non-hex character, so being strict is what makes any
 * altered character a rejection. Discord documents no freshness window for the timestamp
 * and its own library checks none; see `defaultToleranceSeconds`.
 */
export const discord: Scheme = {
  name: 'discord',
  summary: 'Discord interactions (Ed25519 over timestamp and body, hex public key)',
  docs: 'https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers',
  headers: [discordHeaders.signature, discordHeaders.timestamp],
  keyKind: 'public-key',
  // Our choice, not Discord's: it documents none and discord-interactions' verifyKey checks
  // none. Interactions must be answered within 3 s and are not retried, so a genuine one
  // is seconds old; 300 s (as Stripe and Standard Webhooks use) leaves room for clock skew.
  defaultToleranceSeconds: 300,
  // The interaction id and type (1 = PING, 2 = APPLICATION_COMMAND, …) are in the body.
  eventFields: { id: 'id', type: 'type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signatureHeader = requireHeader(headers, SIGNATURE);
    if (signatureHeader.rejection) return signatureHeader.rejection;
    const signed = requireUnixTimestampHeader(headers, TIMESTAMP);
    if (signed.rejection) return signed.rejection;
    const { text: timestampText, seconds: timestamp } = signed;
    if (!LOWER_HEX.test(signatureHeader.value)) {
      return reject('malformed_header', `${SIGNATURE} must be lowercase hex`);
    }
    if (signatureHeader.value.length !== 128) {
      return reject('signature_mismatch', `${SIGNATURE} is not a 64-byte signature`);
    }
    const signature = Buffer.from(signatureHeader.value, 'hex');
    const message = Buffer.concat([Buffer.from(timestampText), body]);

    let invalidKeys = 0;
    let keyIndex = -1;
    for (let index = 0; index < keys.length && keyIndex < 0; index++) {
      const text = keys[index]?.value ?? '';
      const key = PUBLIC_KEY.test(text) ? ed25519PublicKey(Buffer.from(text, 'hex')) : undefined;
      if (key === undefined) {
        invalidKeys++;
        continue;
      }
      try {
        if (verifySignature(null, message, key, signature)) keyIndex = index;
      } catch {
        // A signature node:crypto cannot even process matches nothing.
      }
    }
    if (keyIndex < 0) {
      if (invalidKeys > 0) {
        return reject(
          'invalid_key',
          `${invalidKeys} configured key(s) are not a 64-character hex Ed25519 public key`,
        );
      }
      return reject('signature_mismatch', `${SIGNATURE} matches no configured public key`);
    }
    return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp });
  },
};
