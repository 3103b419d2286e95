import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import Telnyx from 'telnyx';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { signer } from '../../../functions/verify/schemes/telnyx.sign.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

/**
 * Known answer computed outside Node, with Python's `cryptography` from the fixed seed
 * 00 01 02 … 1f, over `<telnyx-timestamp>|<body>` as Telnyx documents it:
 *
 *   python3 -c 'import base64; from cryptography.hazmat.primitives.asymmetric.ed25519 import
 *   Ed25519PrivateKey as K; from cryptography.hazmat.primitives import serialization as s;
 *   k = K.from_private_bytes(bytes(range(32))); body = open("body.json", "rb").read();
 *   print(base64.b64encode(k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)));
 *   print(base64.b64encode(k.sign(b"1719921600|" + body)))'
 *
 * with body.json holding `known.body` exactly (no trailing newline).
 */
const known = {
  publicKey: 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=',
  timestamp: 1_719_921_600,
  body: '{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2024-07-02T12:00:00.000+00:00","payload":{"id":"40385f64-5717-4562-b3fc-2c963f66afa6"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://example.com/webhooks"}}',
  signature:
    '4J8X3TNaws4/p7v1cenqv0mdEsoX2WvXWS9dv5pC4KGN0KKpkFkvHzGuiZZgzd8dNPIRis1xVfBLuZJzue85BA==',
};

const pair = generateKeyPairSync('ed25519');
const base64PublicKey = (key: KeyObject) =>
  Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('base64');
const publicKey = base64PublicKey(pair.publicKey);
const keys = [{ id: 'account', value: publicKey }];
const body = known.body;
const now = known.timestamp;

/** Telnyx's documented algorithm: base64 Ed25519 of `<timestamp>|<raw body>`. */
function signature(
  timestamp: number | string,
  payload: string | Uint8Array,
  key = pair.privateKey,
) {
  const message = Buffer.concat([Buffer.from(`${timestamp}|`), Buffer.from(payload)]);
  return sign(null, message, key).toString('base64');
}

const signedHeaders = (timestamp: number = now, payload: string | Uint8Array = body) => ({
  'telnyx-signature-ed25519': signature(timestamp, payload),
  'telnyx-timestamp': String(timestamp),
});

const verify = (
  headers: Record<string, string>,
  clock = now,
  payload: string | Uint8Array = body,
  keyList: readonly { id?: string; value: string }[] = keys,
) =>
  verifyDelivery({
    scheme: 'telnyx',
    request: delivery(headers, payload),
    keys: keyList,
    clock: at(clock),
  });

const telnyxClient = new Telnyx({ apiKey: 'KEY_unused' });
/** The official SDK's verification (lib/webhooks.js), with the given base64 public key. */
const sdkAccepts = async (payload: string, headers: Record<string, string>, key: string) => {
  try {
    await telnyxClient.webhooks.unwrap(payload, { headers, key });
    return true;
  } catch {
    return false;
  }
};

describe('telnyx', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    const headers = {
      'telnyx-signature-ed25519': known.signature,
      'telnyx-timestamp': String(known.timestamp),
    };
    const verdict = await verify(headers, now, known.body, [{ value: known.publicKey }]);
    expect(verdict).toMatchObject({ accepted: true, timestamp: known.timestamp });
  });

  it("is accepted by the telnyx SDK's webhooks.unwrap for the known answer at its clock", async () => {
    vi.spyOn(Date, 'now').mockReturnValue(known.timestamp * 1000);
    const headers = {
      'telnyx-signature-ed25519': known.signature,
      'telnyx-timestamp': String(known.timestamp),
    };
    expect(await sdkAccepts(known.body, headers, known.publicKey)).toBe(true);
  });

  it("signs what the telnyx SDK's webhooks.unwrap accepts, and both refuse a tampered body", async () => {
    const testKey = signer.generateTestKey?.();
    if (testKey === undefined) throw new Error('telnyx signs with a test key');
    const nowMs = Date.now();
    const signed = signer.sign({
      url: 'https://hooks.example.com/telnyx',
      method: 'POST',
      body: Buffer.from(body),
      contentType: 'application/json',
      key: { kind: 'test-key', privateKey: testKey.privateKey },
      options: {},
      nowMs,
      deliveryId: 'unused',
    });
    const headers = { ...signed.headers };
    const ours = (payload: string) =>
      verifyDelivery({
        scheme: 'telnyx',
        request: delivery(headers, payload),
        keys: [{ value: testKey.publicKeyText }],
        clock: () => nowMs,
      });
    expect(await sdkAccepts(body, headers, testKey.publicKeyText)).toBe(true);
    expect(await ours(body)).toMatchObject({ accepted: true });
    const tampered = body.replace('message.received', 'message.finalize');
    expect(await sdkAccepts(tampered, headers, testKey.publicKeyText)).toBe(false);
    expect(await ours(tampered)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('reads the event id and type from data.id and data.event_type of the verified body', () => {
    expect(readEventFields(getScheme('telnyx'), Buffer.from(body))).toEqual({
      id: 'b301ed3f-1490-491f-995f-6e64e69674d4',
      type: 'message.received',
    });
  });

  it('accepts with whichever configured public key signed, and reports its index', async () => {
    const other = base64PublicKey(generateKeyPairSync('ed25519').publicKey);
    const verdict = await verify(signedHeaders(), now, body, [
      { value: other },
      { id: 'account', value: publicKey },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'account' });
  });

  it('accepts a public key pasted with surrounding whitespace', async () => {
    const verdict = await verify(signedHeaders(), now, body, [{ value: ` ${publicKey}\n` }]);
    expect(verdict).toMatchObject({ accepted: true });
  });

  const genuine = signedHeaders()['telnyx-signature-ed25519'];
  it.each([
    ['missing_header', { 'telnyx-timestamp': String(now) }],
    ['missing_header', { 'telnyx-signature-ed25519': genuine }],
    ['missing_header', { ...signedHeaders(), 'telnyx-timestamp': '' }],
    ['malformed_header', { ...signedHeaders(), 'telnyx-timestamp': '17e8' }],
    ['malformed_header', { ...signedHeaders(), 'telnyx-signature-ed25519': genuine.slice(0, -2) }],
    ['malformed_header', { ...signedHeaders(), 'telnyx-signature-ed25519': `${genuine}AAAA` }],
    [
      'malformed_header',
      {
        ...signedHeaders(),
        'telnyx-signature-ed25519': Buffer.from(genuine, 'base64').toString('hex'),
      },
    ],
    [
      'malformed_header',
      {
        ...signedHeaders(),
        'telnyx-signature-ed25519': Buffer.from(genuine, 'base64').toString('base64url'),
      },
    ],
    ['signature_mismatch', signedHeaders(now, `${body} `)],
    ['signature_mismatch', { ...signedHeaders(), 'telnyx-timestamp': String(now + 1) }],
    [
      'signature_mismatch',
      { ...signedHeaders(), 'telnyx-signature-ed25519': `${'A'.repeat(86)}==` },
    ],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a signature whose spare base64 bits differ, though node would decode it alike', async () => {
    // 64 bytes leave the last character before `==` four unused bits.
    const last = genuine.at(-3) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const respelled = `${genuine.slice(0, -3)}${sibling}==`;
    expect(Buffer.from(respelled, 'base64').equals(Buffer.from(genuine, 'base64'))).toBe(true);
    const verdict = await verify({ ...signedHeaders(), 'telnyx-signature-ed25519': respelled });
    expect(verdict).toMatchObject({ accepted: false, reason: 'malformed_header' });
  });

  it('refuses a signature over the body by another key', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const headers = {
      'telnyx-signature-ed25519': signature(now, body, stranger),
      'telnyx-timestamp': String(now),
    };
    expect(await verify(headers)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it.each([
    ['is hex, not base64', Buffer.alloc(32, 7).toString('hex')],
    ['is 31 bytes', Buffer.alloc(31, 7).toString('base64')],
    [
      'is the identity point, of small order',
      Buffer.from([1, ...Array(31).fill(0)]).toString('base64'),
    ],
  ])('refuses with invalid_key when the only key %s', async (_, value) => {
    expect(await verify(signedHeaders(), now, body, [{ value }])).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('refuses a timestamp past the 300 s tolerance, as too old or too new', async () => {
    expect(await verify(signedHeaders(), now + 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(signedHeaders(), now - 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });

  it('reports signature_mismatch, not the timestamp, for a forged stale delivery', async () => {
    const verdict = await verify(signedHeaders(now, 'forged'), now + 3600);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('refuses with no_keys when no public key is configured', async () => {
    expect(await verify(signedHeaders(), now, body, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the signature or body in a refusal', async () => {
    const headers = signedHeaders(now, 'tampered');
    const text = JSON.stringify(await verify(headers));
    for (const leak of [headers['telnyx-signature-ed25519'], body, 'tampered']) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'telnyx',
  keys,
  signatureHeader: 'telnyx-signature-ed25519',
  timestampHeader: 'telnyx-timestamp',
  sign: ({ body, timestampSeconds }) => delivery(signedHeaders(timestampSeconds, body), body),
});
