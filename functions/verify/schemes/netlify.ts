import { createHash } from 'node:crypto';
import { textEqual } from '../compare.ts';
import { segmentObject } from '../jws-segments.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';

/** Where Netlify sends its JWS, as it spells it: read below, written by netlify.sign.ts. */
export const netlifyHeader = 'X-Webhook-Signature';

const HEADER = netlifyHeader.toLowerCase();
/** One compact-JWS segment: unpadded base64url, never empty (RFC 7515 §7.1). */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * The HS256 JWS signature of `signingInput` (`<header>.<payload>`) under a secret used as its
 * UTF-8 text, as unpadded base64url (RFC 7515 §2, RFC 7518 §3.2).
 */
export function hs256(secret: string, signingInput: string): string {
  return hmac('sha256', 'base64url', secret, signingInput);
}

/**
 * Netlify outgoing webhooks (deploy notifications, and form notifications alike) with a "JWS
 * secret token": `X-Webhook-Signature` is a compact JWS whose payload carries `iss: netlify`
 * and `sha256`, the hex SHA-256 of the raw body. Netlify's docs verify it with a JWT library
 * held to HS256 and issuer `netlify`; we do the same by hand, strictly: three segments, a
 * JSON header whose `alg` is exactly `HS256` (so `none`, and every other algorithm, is
 * refused), then the HMAC over `<header>.<payload>` compared in constant time against every
 * key before the payload is parsed, then the issuer and the body digest.
 *
 * Nothing in the JWS says when it was made (Netlify documents only `iss` and `sha256`), so
 * there is no timestamp to bound and no `defaultToleranceSeconds`, as for the other schemes
 * that sign none: a captured delivery replays as is, and its body hash names it a duplicate.
 * No event id or type is read from the body: the body is the deploy (or submission) itself,
 * and a deploy's `id` is the same in its started, succeeded and locked notifications, so it
 * cannot name one delivery; the body's hash does.
 */
export const netlify: Scheme = {
  name: 'netlify',
  summary: 'Netlify outgoing webhooks (HS256 JWS carrying the body SHA-256)',
  docs: 'https://docs.netlify.com/deploy/deploy-notifications/#payload-signature',
  headers: [netlifyHeader],
  keyKind: 'secret',
  verify({ headers, body, keys }) {
    const received = requireHeader(headers, HEADER);
    if (received.rejection) return received.rejection;
    const segments = received.value.split('.');
    const [headerText = '', payloadText = '', signature = ''] = segments;
    if (segments.length !== 3 || !segments.every((segment) => SEGMENT.test(segment))) {
      return reject('malformed_header', `${HEADER} is not a compact JWS`);
    }
    const protectedHeader = segmentObject(headerText);
    if (protectedHeader === undefined || typeof protectedHeader.alg !== 'string') {
      return reject('malformed_header', 'JWS header is not JSON with a string alg');
    }
    // RFC 7515 §4.1.11: extensions listed as critical that we do not know mean refusal.
    if (protectedHeader.alg !== 'HS256' || protectedHeader.crit !== undefined) {
      return reject('unsupported_version', 'JWS alg is not HS256, or names critical extensions');
    }
    const signingInput = `${headerText}.${payloadText}`;
    const keyIndex = findMatchingKey(keys, [signature], (key) => hs256(key.value, signingInput));
    if (keyIndex < 0) return reject('signature_mismatch', `${HEADER} matches no key`);

    const claims = segmentObject(payloadText);
    if (claims?.iss !== 'netlify') {
      return reject('malformed_header', "JWS payload's iss is not netlify");
    }
    if (typeof claims.sha256 !== 'string') {
      return reject('malformed_header', 'JWS payload has no sha256');
    }
    const digest = createHash('sha256').update(body).digest('hex');
    if (!textEqual(digest, claims.sha256)) {
      return reject('body_hash_mismatch', "body SHA-256 differs from the JWS's sha256");
    }
    return accept(keyIndex);
  },
};
