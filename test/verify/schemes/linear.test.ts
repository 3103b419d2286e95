import { createHmac } from 'node:crypto';
import { LINEAR_WEBHOOK_SIGNATURE_HEADER, LinearWebhookClient } from '@linear/sdk/webhooks';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'lin_wh_test_secret';
const keys = [{ id: 'current', value: secret }];
const signedAtMs = 1_700_000_000_250;

/** A Linear-shaped body; Linear puts the signed send time in `webhookTimestamp` (ms). */
const bodyAt = (timestampMs: number, extra = '"title":"Fix the thing"') =>
  `{"action":"create","type":"Issue","data":{"id":"iss_1",${extra}},"webhookTimestamp":${timestampMs}}`;

const sign = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, payload: string, nowSeconds = 1_700_000_000) =>
  verifyDelivery({
    scheme: 'linear',
    request: delivery(headers, payload),
    keys,
    clock: at(nowSeconds),
  });

describe('linear', () => {
  it('accepts a signed delivery and reports delivery, event and the signed time', async () => {
    const body = bodyAt(signedAtMs);
    const verdict = await verify(
      {
        'Linear-Signature': sign(body),
        'Linear-Delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72',
        'Linear-Event': 'Issue',
      },
      body,
    );
    expect(verdict).toEqual({
      accepted: true,
      scheme: 'linear',
      keyIndex: 0,
      keyId: 'current',
      deliveryId: '234d1a4e-b617-4388-90fe-adc3633d6b72',
      eventType: 'Issue',
      timestamp: 1_700_000_000.25,
    });
  });

  it('signs what the @linear/sdk LinearWebhookClient verifier accepts', () => {
    const body = bodyAt(Date.now());
    const client = new LinearWebhookClient(secret);
    expect(client.verify(Buffer.from(body), sign(body))).toBe(true);
    expect(client.parseData(Buffer.from(body), sign(body)).type).toBe('Issue');
  });

  it('accepts what the @linear/sdk handler accepts, end to end on one request', async () => {
    const body = bodyAt(Date.now());
    const headers = { [LINEAR_WEBHOOK_SIGNATURE_HEADER]: sign(body), 'linear-event': 'Issue' };
    const handler = new LinearWebhookClient(secret).createHandler();
    const request = new Request('https://hooks.example.com/linear', {
      method: 'POST',
      headers,
      body,
    });
    expect((await handler(request)).status).toBe(200);
    const verdict = await verifyDelivery({
      scheme: 'linear',
      request: delivery(headers, body),
      keys,
    });
    expect(verdict).toMatchObject({ accepted: true, eventType: 'Issue' });
  });

  it('ignores the unsigned Linear-Timestamp header, trusting only the body', async () => {
    const body = bodyAt(signedAtMs);
    const verdict = await verify({ 'linear-signature': sign(body), 'linear-timestamp': '1' }, body);
    expect(verdict).toMatchObject({ accepted: true, timestamp: 1_700_000_000.25 });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const body = bodyAt(signedAtMs);
    const verdict = await verifyDelivery({
      scheme: 'linear',
      request: delivery({ 'linear-signature': sign(body, 'new-secret') }, body),
      keys: [{ value: secret }, { value: 'new-secret' }],
      clock: at(1_700_000_000),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it.each([
    ['missing_header', {}, bodyAt(signedAtMs)],
    [
      'signature_mismatch',
      { 'linear-signature': sign(bodyAt(signedAtMs), 'wrong') },
      bodyAt(signedAtMs),
    ],
    ['signature_mismatch', { 'linear-signature': 'abcd' }, bodyAt(signedAtMs)],
    [
      'signature_mismatch',
      { 'linear-signature': sign(bodyAt(signedAtMs)).toUpperCase() },
      bodyAt(signedAtMs),
    ],
    ['malformed_body', { 'linear-signature': sign('not json') }, 'not json'],
    ['malformed_body', { 'linear-signature': sign('{"type":"Issue"}') }, '{"type":"Issue"}'],
    [
      'malformed_body',
      { 'linear-signature': sign('{"webhookTimestamp":"1700000000000"}') },
      '{"webhookTimestamp":"1700000000000"}',
    ],
    ['malformed_body', { 'linear-signature': sign('[1700000000000]') }, '[1700000000000]'],
  ])('rejects with %s', async (reason, headers, body) => {
    expect(await verify(headers, body)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a webhookTimestamp more than 60 s old as too old', async () => {
    const body = bodyAt(1_700_000_000_000);
    const verdict = await verify({ 'linear-signature': sign(body) }, body, 1_700_000_061);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a webhookTimestamp more than 60 s ahead as too new', async () => {
    const body = bodyAt(1_700_000_000_000);
    const verdict = await verify({ 'linear-signature': sign(body) }, body, 1_699_999_939);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('checks the signature before the timestamp, so a forgery reads as a mismatch', async () => {
    const body = bodyAt(1);
    const verdict = await verify({ 'linear-signature': sign(body, 'forger') }, body);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const body = bodyAt(signedAtMs);
    const verdict = await verifyDelivery({
      scheme: 'linear',
      request: delivery({ 'linear-signature': sign(body) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const body = bodyAt(signedAtMs, '"title":"top secret plans"');
    const signature = sign(body, 'forger');
    const text = JSON.stringify(await verify({ 'linear-signature': signature }, body));
    for (const leak of [secret, signature, 'top secret plans']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'linear',
  keys,
  signatureHeader: 'Linear-Signature',
  // Linear signs its JSON body, which carries the send time in ms; the arbitrary bytes ride
  // inside it so every body byte is still covered.
  sign: ({ body, timestampSeconds, id }) => {
    const timestampMs = timestampSeconds * 1000 + ((id.length * 37) % 1000);
    const payload = Buffer.from(
      `{"type":"Issue","data":"${Buffer.from(body).toString('base64')}","webhookTimestamp":${timestampMs}}`,
    );
    const signature = createHmac('sha256', secret).update(payload).digest('hex');
    return delivery({ 'Linear-Signature': signature, 'Linear-Delivery': id }, payload);
  },
});
