import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import type { KeyResolver, VerificationKey } from '../../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const vector = officialVector('plaid_jwt');

/** A Plaid-style JWK: the public key plus the fields /webhook_verification_key/get returns. */
function plaidJwk(key: KeyObject, kid: string, expiredAt: number | null = null): JsonWebKey {
  return {
    ...key.export({ format: 'jwk' }),
    alg: 'ES256',
    kid,
    use: 'sig',
    created_at: 1_600_000_000,
    expired_at: expiredAt,
  };
}

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'bfbd5111-8e33-4643-8ced-b2e642a72f3c';
const jwk = plaidJwk(pair.publicKey, kid);
const keys: VerificationKey[] = [{ value: JSON.stringify(jwk) }];
const body = '{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE"}';
const now = 1_700_000_000;

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sha256Hex = (payload: string | Uint8Array) =>
  createHash('sha256').update(payload).digest('hex');

/** A JWT as Plaid documents it: ES256 over `header.payload`, signature raw r||s. */
function jwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'ES256', kid, typ: 'JWT' },
  key: KeyObject = pair.privateKey,
): string {
  const signed = `${segment(header)}.${segment(claims)}`;
  const signature = sign('sha256', Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' });
  return `${signed}.${signature.toString('base64url')}`;
}

const claimsFor = (payload: string | Uint8Array, iat = now) => ({
  iat,
  request_body_sha256: sha256Hex(payload),
});

const verify = (
  token: string | undefined,
  options: {
    keys?: readonly VerificationKey[];
    resolveKey?: KeyResolver;
    clock?: number;
    payload?: string;
  } = {},
) =>
  verifyDelivery({
    scheme: 'plaid',
    request: delivery(
      token === undefined ? {} : { 'Plaid-Verification': token },
      options.payload ?? body,
    ),
    keys: options.keys ?? keys,
    clock: at(options.clock ?? now),
    ...(options.resolveKey === undefined ? {} : { resolveKey: options.resolveKey }),
  });

describe('plaid', () => {
  it('accepts the published webhook with its JWK configured, at its iat', async () => {
    const verdict = await verify(vector.jwt, {
      keys: [{ value: JSON.stringify(vector.jwk) }],
      clock: vector.iat,
      payload: vector.body,
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0, timestamp: vector.iat });
  });

  it('accepts the published webhook with its JWK from resolveKey, asking for its kid', async () => {
    const asked: string[] = [];
    const verdict = await verify(vector.jwt, {
      keys: [],
      resolveKey: async (id) => {
        asked.push(id);
        return id === vector.jwk.kid ? vector.jwk : undefined;
      },
      clock: vector.iat,
      payload: vector.body,
    });
    expect(asked).toEqual([vector.jwk.kid]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: -1, keyId: vector.jwk.kid });
  });

  it('rejects the published webhook one second past five minutes after its iat', async () => {
    const verdict = await verify(vector.jwt, {
      keys: [{ value: JSON.stringify(vector.jwk) }],
      clock: vector.iat + 301,
      payload: vector.body,
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects the published webhook with its body re-serialised', async () => {
    const verdict = await verify(vector.jwt, {
      keys: [{ value: JSON.stringify(vector.jwk) }],
      clock: vector.iat,
      payload: JSON.stringify(JSON.parse(vector.body)),
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'body_hash_mismatch' });
  });

  it('picks the configured key whose kid the JWT names, and reports it', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const verdict = await verify(jwt(claimsFor(body)), {
      keys: [
        { value: JSON.stringify(plaidJwk(other.publicKey, 'older')) },
        { id: 'current', value: JSON.stringify(jwk) },
      ],
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'current' });
  });

  it('names the webhook type for readEventFields', () => {
    expect(readEventFields(getScheme('plaid'), Buffer.from(body))).toEqual({
      type: 'TRANSACTIONS',
    });
  });

  it.each([
    ['missing_header', undefined],
    ['malformed_header', 'not-a-jwt'],
    ['malformed_header', 'a.b.c.d'],
    ['malformed_header', `${Buffer.from('{').toString('base64url')}.e30.AAAA`],
    ['malformed_header', `${segment(['ES256'])}.e30.AAAA`],
    ['malformed_header', jwt(claimsFor(body), { alg: 'ES256', typ: 'JWT' })],
    ['malformed_header', jwt(claimsFor(body), { alg: 'ES256', kid: 42 })],
    ['malformed_header', `${jwt(claimsFor(body)).slice(0, -1)}*`],
    ['malformed_header', jwt({ request_body_sha256: sha256Hex(body) })],
    ['malformed_header', jwt({ iat: '1700000000', request_body_sha256: sha256Hex(body) })],
    ['malformed_header', jwt({ iat: now + 0.5, request_body_sha256: sha256Hex(body) })],
    ['malformed_header', jwt({ iat: now })],
    ['unsupported_version', jwt(claimsFor(body), { alg: 'HS256', kid })],
    ['unsupported_version', jwt(claimsFor(body), { alg: 'none', kid })],
    ['unsupported_version', jwt(claimsFor(body), { alg: 'ES384', kid })],
    ['key_not_found', jwt(claimsFor(body), { alg: 'ES256', kid: 'unknown-kid' })],
    [
      'signature_mismatch',
      jwt(
        claimsFor(body),
        undefined,
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      ),
    ],
    ['body_hash_mismatch', jwt(claimsFor('another body'))],
    ['body_hash_mismatch', jwt({ iat: now, request_body_sha256: sha256Hex(body).toUpperCase() })],
  ])('rejects with %s', async (reason, token) => {
    expect(await verify(token)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a signature of the wrong length without throwing', async () => {
    const token = jwt(claimsFor(body));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    for (const resized of [
      bytes.subarray(0, 63),
      Buffer.concat([bytes, Buffer.alloc(1)]),
      Buffer.alloc(0),
    ]) {
      const verdict = await verify(`${header}.${payload}.${resized.toString('base64url')}`);
      expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    }
  });

  it('rejects a signature whose last character differs only in unused bits', async () => {
    // 64 bytes in unpadded base64url leave 4 unused bits; node would decode both texts alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const token = jwt(claimsFor(body));
    const last = token.length - 1;
    const sibling = alphabet[alphabet.indexOf(token[last] as string) ^ 1] as string;
    const altered = token.slice(0, last) + sibling;
    const signatureOf = (text: string) => Buffer.from(text.split('.')[2] as string, 'base64url');
    expect(signatureOf(altered)).toEqual(signatureOf(token));
    expect(await verify(altered)).toMatchObject({ accepted: false, reason: 'malformed_header' });
  });

  it('rejects a DER-encoded ES256 signature, as JWTs carry raw r||s', async () => {
    const token = jwt(claimsFor(body));
    const [header, payload] = token.split('.') as [string, string];
    const der = sign('sha256', Buffer.from(`${header}.${payload}`), pair.privateKey);
    expect(await verify(`${header}.${payload}.${der.toString('base64url')}`)).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects with key_not_found when resolveKey knows no such kid', async () => {
    const verdict = await verify(jwt(claimsFor(body)), {
      keys: [],
      resolveKey: async () => undefined,
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'key_not_found' });
  });

  it('rejects with key_not_found when resolveKey answers with a key of another kid', async () => {
    const verdict = await verify(jwt(claimsFor(body)), {
      keys: [],
      resolveKey: async () => plaidJwk(pair.publicKey, 'someone-else'),
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'key_not_found' });
  });

  it('uses resolveKey rather than the configured keys when both are given', async () => {
    const verdict = await verify(jwt(claimsFor(body)), {
      keys: [{ id: 'configured', value: JSON.stringify(jwk) }],
      resolveKey: async () => undefined,
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'key_not_found' });
  });

  it('lets an error thrown by resolveKey propagate, as an outage rather than a forgery', async () => {
    const failing = verify(jwt(claimsFor(body)), {
      keys: [],
      resolveKey: async () => {
        throw new Error('plaid api unavailable');
      },
    });
    await expect(failing).rejects.toThrow('plaid api unavailable');
  });

  it.each([
    ['has expired', plaidJwk(pair.publicKey, kid, 1_650_000_000)],
    ['is an RSA key', { ...plaidJwk(pair.publicKey, kid), kty: 'RSA' }],
    ['is on P-384', { ...plaidJwk(pair.publicKey, kid), crv: 'P-384' }],
    ['is marked for another alg', { ...plaidJwk(pair.publicKey, kid), alg: 'ES384' }],
    [
      'is not a curve point',
      { ...plaidJwk(pair.publicKey, kid), y: Buffer.alloc(32, 1).toString('base64url') },
    ],
  ])('rejects with invalid_key when the key for the kid %s', async (_, key) => {
    const token = jwt(claimsFor(body));
    expect(await verify(token, { keys: [{ value: JSON.stringify(key) }] })).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
    expect(await verify(token, { keys: [], resolveKey: async () => key })).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('rejects with invalid_key when a configured key is not JWK JSON and none has the kid', async () => {
    expect(await verify(jwt(claimsFor(body)), { keys: [{ value: 'not json' }] })).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('accepts when the right key is configured beside an unreadable one', async () => {
    const verdict = await verify(jwt(claimsFor(body)), {
      keys: [{ value: 'not json' }, { value: JSON.stringify(jwk) }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it('rejects an iat one second past the 300 s tolerance as too old', async () => {
    expect(await verify(jwt(claimsFor(body)), { clock: now + 301 })).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
  });

  it('rejects an iat more than 300 s in the future as too new', async () => {
    expect(await verify(jwt(claimsFor(body)), { clock: now - 301 })).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });

  it('reports a forged, stale JWT as a signature mismatch, not as stale', async () => {
    const forged = jwt(
      claimsFor(body),
      undefined,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    );
    expect(await verify(forged, { clock: now + 10_000 })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects with no_keys when neither keys nor a resolver are given', async () => {
    expect(await verify(jwt(claimsFor(body)), { keys: [] })).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the token, its signature or the body in a rejection', async () => {
    const payload = '{"webhook_type":"ITEM","secret_field":"do-not-log"}';
    for (const token of [
      jwt(claimsFor(body)),
      jwt(
        claimsFor(payload),
        undefined,
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      ),
    ]) {
      const text = JSON.stringify(await verify(token, { payload }));
      for (const leak of [token, token.split('.')[2] as string, payload, 'do-not-log']) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describeSchemeProperties({
  scheme: 'plaid',
  keys,
  signatureHeader: 'Plaid-Verification',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'Plaid-Verification': jwt(claimsFor(body, timestampSeconds)) }, body),
});
