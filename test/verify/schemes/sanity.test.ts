import { createHmac } from 'node:crypto';
import { encodeSignatureHeader, isValidSignature } from '@sanity/webhook';
import { describe, expect, it } from 'vitest';
import { signer } from '../../../functions/verify/schemes/sanity.sign.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'sanity-webhook-secret';
const keys = [{ id: 'current', value: secret }];
const body = '{"_id":"movie_10681","_type":"movie","title":"WALL-E"}';
const now = 1_719_921_600;

/** Sanity's algorithm: unpadded base64url HMAC-SHA256 of `<t ms>.<raw body>` with the secret. */
const v1 = (tMs: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${tMs}.`).update(payload).digest('base64url');
const signed = (tMs: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${tMs},v1=${v1(tMs, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'sanity', request: delivery(headers, payload), keys, clock: at(clock) });

describe('sanity', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: base64.urlsafe_b64encode(hmac.new(b'sanity-webhook-secret',
    //   b'1719921600000.' + body, sha256).digest()).rstrip(b'=')
    const header = `t=${now}000,v1=-RLfvhP5cdAx0RpE_jEIF4MqGHEBOrbWUQ67EADGIXQ`;
    expect(await verify({ 'sanity-webhook-signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('accepts what @sanity/webhook signs, and its isValidSignature accepts what we sign', async () => {
    const theirs = await encodeSignatureHeader(body, now * 1000 + 456, secret);
    expect(await verify({ 'sanity-webhook-signature': theirs })).toMatchObject({
      accepted: true,
      timestamp: now + 0.456,
    });
    const tampered = await verify({ 'sanity-webhook-signature': theirs }, now, `${body} `);
    expect(tampered).toMatchObject({ accepted: false, reason: 'signature_mismatch' });

    const ours = signer.sign({
      url: 'https://hooks.example.com/v1/webhooks/sanity',
      method: 'POST',
      body: Buffer.from(body),
      contentType: 'application/json',
      key: { kind: 'secret', value: secret },
      options: {},
      nowMs: now * 1000 + 789,
      deliveryId: 'unused',
    });
    const header = ours.headers['sanity-webhook-signature'] as string;
    expect(header).toBe(signed(now * 1000 + 789));
    expect(await isValidSignature(body, header, secret)).toBe(true);
    expect(await isValidSignature(`${body} `, header, secret)).toBe(false);
    expect(await isValidSignature(body, header, 'other-secret')).toBe(false);
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'sanity-webhook-signature': 'garbage' }],
    ['malformed_header', { 'sanity-webhook-signature': `v1=${v1(now * 1000)}` }],
    ['unsupported_version', { 'sanity-webhook-signature': `t=${now}000,v2=${v1(now * 1000)}` }],
    ['signature_mismatch', { 'sanity-webhook-signature': signed(now * 1000, `${body} `) }],
    ['signature_mismatch', { 'sanity-webhook-signature': signed(now * 1000, body, 'other') }],
    // The same digest as standard, padded base64 is not the text Sanity writes.
    [
      'signature_mismatch',
      {
        'sanity-webhook-signature': `t=${now}000,v1=${createHmac('sha256', secret).update(`${now}000.${body}`).digest('base64')}`,
      },
    ],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    const header = { 'sanity-webhook-signature': signed(now * 1000) };
    expect(await verify(header, now + 301)).toMatchObject({ reason: 'timestamp_too_old' });
    expect(await verify(header, now - 301)).toMatchObject({ reason: 'timestamp_too_new' });
  });
});

describeSchemeProperties({
  scheme: 'sanity',
  keys,
  signatureHeader: 'sanity-webhook-signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'sanity-webhook-signature': signed(timestampSeconds * 1000, body) }, body),
});
