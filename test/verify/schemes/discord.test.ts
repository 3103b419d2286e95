import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

/**
 * Known answer computed outside node (Python `cryptography`, Ed25519PrivateKey from the
 * seed 00 01 02 … 1f) over timestamp + body, as Discord documents it.
 */
const known = {
  publicKey: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  timestamp: '1700000000',
  body: '{"id":"1234567890","type":1}',
  signature:
    'ad7f279f34e00a1be367c48c9f7c904e3539d0eacb67e132ebd26dd42ead727638cdeb238c28bd3b13335cb1cc14699c9a0aa0cea77866c54de02fb1afbffd08',
};

const pair = generateKeyPairSync('ed25519');
const hexPublicKey = (key: KeyObject) =>
  Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
const publicKey = hexPublicKey(pair.publicKey);
const body = '{"id":"987","type":2,"data":{"name":"ping"}}';
const now = 1_700_000_000;

function signature(timestamp: string, payload: string | Uint8Array, key = pair.privateKey) {
  return sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(payload)]), key).toString(
    'hex',
  );
}

const signedHeaders = (timestamp = String(now), payload: string | Uint8Array = body) => ({
  'X-Signature-Ed25519': signature(timestamp, payload),
  'X-Signature-Timestamp': timestamp,
});

const verify = (
  headers: Record<string, string>,
  keys: readonly VerificationKey[] = [{ value: publicKey }],
  clock = now,
  payload: string | Uint8Array = body,
) =>
  verifyDelivery({
    scheme: 'discord',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('discord', () => {
  it('accepts the fixed-seed known-answer vector', async () => {
    const headers = {
      'X-Signature-Ed25519': known.signature,
      'X-Signature-Timestamp': known.timestamp,
    };
    const verdict = await verify(headers, [{ value: known.publicKey }], now, known.body);
    expect(verdict).toMatchObject({ accepted: true, timestamp: now });
  });

  it('signs the known-answer vector identically with node:crypto from the same seed', () => {
    const seedDer = Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      Buffer.from(Array.from({ length: 32 }, (_, index) => index)),
    ]);
    const key = createPrivateKey({ key: seedDer, format: 'der', type: 'pkcs8' });
    expect(signature(known.timestamp, known.body, key)).toBe(known.signature);
  });

  it("is accepted by discord-interactions' verifyKey for the known-answer vector", async () => {
    expect(await verifyKey(known.body, known.signature, known.timestamp, known.publicKey)).toBe(
      true,
    );
  });

  it("signs what discord-interactions' verifyKey accepts", async () => {
    const headers = signedHeaders();
    expect(
      await verifyKey(
        body,
        headers['X-Signature-Ed25519'],
        headers['X-Signature-Timestamp'],
        publicKey,
      ),
    ).toBe(true);
  });

  it('accepts with whichever configured public key signed, and reports its index', async () => {
    const other = hexPublicKey(generateKeyPairSync('ed25519').publicKey);
    const verdict = await verify(signedHeaders(), [
      { value: other },
      { id: 'app', value: publicKey },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'app' });
  });

  it('accepts a public key written in uppercase hex', async () => {
    expect(await verify(signedHeaders(), [{ value: publicKey.toUpperCase() }])).toMatchObject({
      accepted: true,
    });
  });

  it('names the interaction id and type for readEventFields', () => {
    expect(readEventFields(getScheme('discord'), Buffer.from(body))).toEqual({
      id: '987',
      type: '2',
    });
  });

  it.each([
    ['missing_header', { 'X-Signature-Timestamp': String(now) }],
    ['missing_header', { 'X-Signature-Ed25519': signature(String(now), body) }],
    ['malformed_header', signedHeaders('17e8')],
    ['missing_header', { ...signedHeaders(), 'X-Signature-Timestamp': '' }],
    [
      'malformed_header',
      { ...signedHeaders(), 'X-Signature-Ed25519': signature(String(now), body).toUpperCase() },
    ],
    ['malformed_header', { ...signedHeaders(), 'X-Signature-Ed25519': `${'0'.repeat(127)}g` }],
    ['signature_mismatch', signedHeaders(String(now), 'another body')],
    ['signature_mismatch', { ...signedHeaders(), 'X-Signature-Timestamp': String(now + 1) }],
    ['signature_mismatch', { ...signedHeaders(), 'X-Signature-Ed25519': '0'.repeat(128) }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a signature of the wrong length without throwing', async () => {
    const genuine = signedHeaders()['X-Signature-Ed25519'];
    for (const text of [genuine.slice(0, -2), `${genuine}00`, genuine.slice(0, -1), '00']) {
      const verdict = await verify({ ...signedHeaders(), 'X-Signature-Ed25519': text });
      expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    }
  });

  it.each([
    ['is not hex', 'z'.repeat(64)],
    ['is 31 bytes', 'ab'.repeat(31)],
    ['is base64, not hex', Buffer.alloc(32, 7).toString('base64')],
  ])('rejects with invalid_key when the only key %s', async (_, value) => {
    expect(await verify(signedHeaders(), [{ value }])).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('rejects a timestamp one second past the 300 s tolerance as too old', async () => {
    expect(await verify(signedHeaders(), undefined, now + 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    expect(await verify(signedHeaders(), undefined, now - 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });

  it('rejects with no_keys when no public key is configured', async () => {
    expect(await verify(signedHeaders(), [])).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the signature or body in a rejection', async () => {
    const headers = signedHeaders(String(now), 'tampered');
    const text = JSON.stringify(await verify(headers));
    for (const leak of [headers['X-Signature-Ed25519'], body, 'tampered']) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'discord',
  keys: [{ value: publicKey }],
  signatureHeader: 'X-Signature-Ed25519',
  timestampHeader: 'X-Signature-Timestamp',
  sign: ({ body, timestampSeconds }) =>
    delivery(signedHeaders(String(timestampSeconds), body), body),
});
