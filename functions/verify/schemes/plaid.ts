import {
  createHash,
  type JsonWebKey,
  type KeyObject,
  verify as verifySignature,
} from 'node:crypto';
import { textEqual } from '../compare.ts';
import { decodeBase64Url, segmentObject } from '../jws-segments.ts';
import { cachedPublicKey } from '../public-keys.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { checkTimestamp } from '../timestamp.ts';
import type { SchemeVerdict } from '../types.ts';

/** Where Plaid sends its JWT, as it spells it: read below, written by plaid.sign.ts. */
export const plaidHeader = 'Plaid-Verification';

const HEADER = plaidHeader.toLowerCase();

/** A configured key's JWK, or `undefined` when the text is not a JSON object. */
function parseJwk(text: string): JsonWebKey | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonWebKey)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The P-256 key of a Plaid JWK, or why it cannot be used. */
function es256Key(jwk: JsonWebKey): KeyObject | string {
  // Plaid's own example refuses a key once /webhook_verification_key/get reports it expired.
  if (jwk.expired_at !== undefined && jwk.expired_at !== null) return 'has expired';
  const { kty, crv, x, y, alg } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') {
    return 'is not a P-256 EC JWK';
  }
  if (alg !== undefined && alg !== 'ES256') return 'is not an ES256 key';
  const key = cachedPublicKey(`p256:${x}.${y}`, () => ({
    key: { kty, crv, x, y },
    format: 'jwk',
  }));
  return key ?? 'is not a valid P-256 point';
}

interface Candidate {
  readonly index: number;
  readonly jwk: JsonWebKey;
}

/**
 * Plaid: `Plaid-Verification` is a compact JWT signed ES256 by the key its header `kid`
 * names; its payload carries `iat` and `request_body_sha256`, the SHA-256 hex of the raw
 * body. The scheme needs parsing by nature: the JWT's header and payload are JSON (in a
 * header, not the body). The body is only hashed.
 *
 * Keys come from `resolveKey(kid)` (wrapping /webhook_verification_key/get) when given,
 * else from the configured keys, each the JWK's JSON text, matched by `kid`. A key found
 * by the resolver is not among the configured keys: the verdict reports `keyIndex` -1
 * and the `kid` as its key id.
 * Errors thrown by the resolver propagate: a failed lookup is an outage to retry, not
 * evidence of forgery.
 */
export const plaid: Scheme = {
  name: 'plaid',
  summary: 'Plaid webhooks (ES256 JWT with a body SHA-256, key looked up by kid)',
  docs: 'https://plaid.com/docs/api/webhooks/webhook-verification/',
  headers: [plaidHeader],
  keyKind: 'public-key',
  // Plaid: reject a webhook whose `iat` is more than 5 minutes old. It says nothing of iat
  // in the future; we refuse those beyond the same 5 minutes, as for every other scheme.
  defaultToleranceSeconds: 300,
  // Plaid webhooks carry no event id; `webhook_type` (with `webhook_code`) names the event.
  eventFields: { type: 'webhook_type' },
  async verify({ headers, body, keys, nowMs, toleranceSeconds, resolveKey }) {
    const header = requireHeader(headers, HEADER);
    if (header.rejection) return header.rejection;
    const segments = header.value.split('.');
    const [headerText, payloadText, signatureText] = segments;
    const jwtHeader = headerText === undefined ? undefined : segmentObject(headerText);
    const signature = signatureText === undefined ? undefined : decodeBase64Url(signatureText);
    if (
      segments.length !== 3 ||
      payloadText === undefined ||
      jwtHeader === undefined ||
      signature === undefined
    ) {
      return reject('malformed_header', `${HEADER} is not a compact JWT`);
    }
    const { alg, kid } = jwtHeader;
    if (typeof alg !== 'string' || typeof kid !== 'string' || kid === '') {
      return reject('malformed_header', 'JWT header needs string alg and kid');
    }
    if (alg !== 'ES256') return reject('unsupported_version', 'JWT alg is not ES256');
    if (signature.length !== 64) {
      return reject('signature_mismatch', 'JWT signature is not 64 bytes (ES256 r||s)');
    }

    let candidates: Candidate[];
    if (resolveKey !== undefined) {
      const jwk = await resolveKey(kid);
      candidates =
        jwk === undefined || (jwk.kid !== undefined && jwk.kid !== kid) ? [] : [{ index: -1, jwk }];
    } else {
      candidates = [];
      let unreadable = 0;
      keys.forEach((key, index) => {
        const jwk = parseJwk(key.value);
        if (jwk === undefined) unreadable++;
        else if (jwk.kid === kid) candidates.push({ index, jwk });
      });
      if (candidates.length === 0 && unreadable > 0) {
        return reject('invalid_key', `${unreadable} configured key(s) are not JWK JSON text`);
      }
    }
    if (candidates.length === 0) return reject('key_not_found', 'no key has the JWT kid');

    const signed = Buffer.from(`${headerText}.${payloadText}`, 'latin1');
    let keyIndex: number | undefined;
    let problem: string | undefined;
    let usable = 0;
    for (const { index, jwk } of candidates) {
      const key = es256Key(jwk);
      if (typeof key === 'string') {
        problem ??= key;
        continue;
      }
      usable++;
      if (es256Verifies(key, signed, signature)) {
        keyIndex = index;
        break;
      }
    }
    if (keyIndex === undefined) {
      return usable === 0
        ? reject('invalid_key', `the key named by the JWT kid ${problem}`)
        : reject('signature_mismatch', 'JWT signature does not match the key its kid names');
    }
    return checkClaims(payloadText, body, nowMs, toleranceSeconds, keyIndex, kid);
  },
};

function es256Verifies(key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** The signed payload's checks, run only once the signature holds. */
function checkClaims(
  payloadText: string,
  body: Uint8Array,
  nowMs: number,
  toleranceSeconds: number,
  keyIndex: number,
  kid: string,
): SchemeVerdict {
  const payload = segmentObject(payloadText);
  const iat = payload?.iat;
  const claimed = payload?.request_body_sha256;
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) {
    return reject('malformed_header', 'JWT payload needs a whole-second iat');
  }
  if (typeof claimed !== 'string') {
    return reject('malformed_header', 'JWT payload needs request_body_sha256');
  }
  const actual = createHash('sha256').update(body).digest('hex');
  if (!textEqual(actual, claimed)) {
    return reject('body_hash_mismatch', 'body SHA-256 differs from request_body_sha256');
  }
  return (
    checkTimestamp(iat, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp: iat, keyId: kid })
  );
}
