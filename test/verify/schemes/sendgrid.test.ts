import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

/** A key pair made the way SendGrid's is (P-256), the public half as the console shows it. */
function keyPair(curve = 'prime256v1') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { privateKey, text: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

const current = keyPair();
const keys = [{ id: 'current', value: current.text }];
const body = '[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"}]\r\n';
const now = 1_700_000_000;

/** Signs as SendGrid documents it: ECDSA P-256 / SHA-256 over timestamp then body, DER, base64. */
function signature(timestamp: number | string, payload: string | Uint8Array, key: KeyObject) {
  return sign(
    'sha256',
    Buffer.concat([Buffer.from(String(timestamp)), Buffer.from(payload)]),
    key,
  ).toString('base64');
}

const signedHeaders = (timestamp: number, payload = body, key = current.privateKey) => ({
  'X-Twilio-Email-Event-Webhook-Signature': signature(timestamp, payload, key),
  'X-Twilio-Email-Event-Webhook-Timestamp': String(timestamp),
});

const verify = (
  headers: Record<string, string>,
  clock = now,
  payload: string | Uint8Array = body,
  keyList: readonly { value: string }[] = keys,
) =>
  verifyDelivery({
    scheme: 'sendgrid',
    request: delivery(headers, payload),
    keys: keyList,
    clock: at(clock),
  });

describe('sendgrid', () => {
  it('accepts the published vector from the SendGrid SDK', async () => {
    const vector = officialVector('sendgrid');
    const headers = {
      'X-Twilio-Email-Event-Webhook-Signature': vector.signature,
      'X-Twilio-Email-Event-Webhook-Timestamp': vector.timestamp,
    };
    const verdict = await verify(headers, Number(vector.timestamp), vector.payload, [
      { value: vector.publicKey },
    ]);
    expect(verdict).toMatchObject({ accepted: true, timestamp: Number(vector.timestamp) });
  });

  it('accepts the multi-event vector from the SendGrid SDK’s tests', async () => {
    // sendgrid/sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js
    const publicKey =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==';
    const payload =
      '[{"email":"invalid@gmail.com","event":"processed","send_at":0,"sg_event_id":"cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA","sg_message_id":"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0","smtp-id":"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>","timestamp":1619651146},\r\n' +
      '{"email":"invalid@gmail.com","event":"bounce","ip":"167.89.101.76","reason":"552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp","sg_event_id":"Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w","sg_message_id":"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0","smtp-id":"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>","status":"5.2.2","timestamp":1619651147,"tls":1,"type":"blocked"}]\r\n';
    const headers = {
      'X-Twilio-Email-Event-Webhook-Signature':
        'MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5',
      'X-Twilio-Email-Event-Webhook-Timestamp': '1619651159',
    };
    const verdict = await verify(headers, 1_619_651_159, payload, [{ value: publicKey }]);
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('signs what the @sendgrid/eventwebhook verifier accepts, and it refuses a tampered body', () => {
    const sdk = new EventWebhook();
    const key = sdk.convertPublicKeyToECDSA(current.text);
    const signed = signature(now, body, current.privateKey);
    expect(sdk.verifySignature(key, body, signed, String(now))).toBe(true);
    expect(sdk.verifySignature(key, `${body} `, signed, String(now))).toBe(false);
  });

  it('accepts a signed delivery and reports its timestamp', async () => {
    expect(await verify(signedHeaders(now))).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('verifies the raw body bytes, even ones that are not UTF-8', async () => {
    const raw = Uint8Array.from([0x5b, 0xff, 0xfe, 0x5d]);
    const headers = {
      'X-Twilio-Email-Event-Webhook-Signature': signature(now, raw, current.privateKey),
      'X-Twilio-Email-Event-Webhook-Timestamp': String(now),
    };
    expect(await verify(headers, now, raw)).toMatchObject({ accepted: true });
    expect(await verify(headers, now, Uint8Array.from([0x5b, 0xff, 0xfd, 0x5d]))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts with whichever of several keys signed, as after regenerating the key', async () => {
    const next = keyPair();
    const verdict = await verify(signedHeaders(now, body, next.privateKey), now, body, [
      ...keys,
      { value: next.text },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it('accepts with a good key even when another configured key is unreadable', async () => {
    const verdict = await verify(signedHeaders(now), now, body, [{ value: 'not-a-key' }, ...keys]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it('tolerates surrounding whitespace in the configured key text', async () => {
    const verdict = await verify(signedHeaders(now), now, body, [{ value: `${current.text}\n` }]);
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('refuses a non-canonical spelling that decodes to the genuine signature bytes', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let headers = signedHeaders(now);
    // DER signatures vary in length; one ending in padding has spare bits in its last character.
    while (!headers['X-Twilio-Email-Event-Webhook-Signature'].endsWith('=')) {
      headers = signedHeaders(now);
    }
    const genuine = headers['X-Twilio-Email-Event-Webhook-Signature'];
    const last = genuine.replace(/=+$/, '').length - 1;
    const spare = alphabet[alphabet.indexOf(genuine[last] as string) ^ 1] as string;
    const variant = genuine.slice(0, last) + spare + genuine.slice(last + 1);
    expect(Buffer.from(variant, 'base64')).toEqual(Buffer.from(genuine, 'base64'));
    expect(
      await verify({ ...headers, 'X-Twilio-Email-Event-Webhook-Signature': variant }),
    ).toMatchObject({ accepted: false, reason: 'malformed_header' });
  });

  it.each([
    ['missing_header', { 'X-Twilio-Email-Event-Webhook-Timestamp': String(now) }],
    [
      'missing_header',
      { 'X-Twilio-Email-Event-Webhook-Signature': signature(now, body, current.privateKey) },
    ],
    [
      'malformed_header',
      { ...signedHeaders(now), 'X-Twilio-Email-Event-Webhook-Timestamp': '1.7e9' },
    ],
    [
      'malformed_header',
      { ...signedHeaders(now), 'X-Twilio-Email-Event-Webhook-Signature': 'not base64!' },
    ],
    ['signature_mismatch', signedHeaders(now, 'another body')],
    ['signature_mismatch', signedHeaders(now, body, keyPair().privateKey)],
    [
      'signature_mismatch',
      { ...signedHeaders(now), 'X-Twilio-Email-Event-Webhook-Signature': 'AAAA' },
    ],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it.each([
    ['text that is not base64', 'not a key'],
    ['base64 that is not a public key', 'AAAA'],
    ['a P-384 key', keyPair('secp384r1').text],
    [
      'an Ed25519 key',
      generateKeyPairSync('ed25519')
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64'),
    ],
  ])('rejects with invalid_key when the only key is %s', async (_, value) => {
    expect(await verify(signedHeaders(now), now, body, [{ value }])).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('rejects a timestamp one second past the 300 s tolerance as too old', async () => {
    expect(await verify(signedHeaders(now), now + 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    expect(await verify(signedHeaders(now), now - 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });

  it('rejects with no_keys when no public key is configured', async () => {
    expect(await verify(signedHeaders(now), now, body, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the key, signature or body in a rejection', async () => {
    const headers = signedHeaders(now, 'tampered');
    for (const verdict of [
      await verify(headers),
      await verify(signedHeaders(now), now, body, [{ value: `${current.text}x` }]),
      await verify(signedHeaders(now), now + 301),
    ]) {
      const text = JSON.stringify(verdict);
      for (const leak of [current.text, headers['X-Twilio-Email-Event-Webhook-Signature'], body]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describeSchemeProperties({
  scheme: 'sendgrid',
  keys,
  signatureHeader: 'X-Twilio-Email-Event-Webhook-Signature',
  timestampHeader: 'X-Twilio-Email-Event-Webhook-Timestamp',
  sign: ({ body, timestampSeconds }) =>
    delivery(
      {
        'X-Twilio-Email-Event-Webhook-Signature': signature(
          timestampSeconds,
          body,
          current.privateKey,
        ),
        'X-Twilio-Email-Event-Webhook-Timestamp': String(timestampSeconds),
      },
      body,
    ),
});
