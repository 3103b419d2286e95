import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'knock-signing-secret';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"__typename":"Event","type":"message.sent","created_at":"2024-07-02T12:00:00.000Z","data":{"id":"2FVHPWxRqNuXQ9krvNP5A6Z4qXe"},"event_data":null}';
const now = 1_719_921_600;
const ms = now * 1000 + 123;

/** Knock's documented algorithm: base64 HMAC-SHA256 of `<t ms>.<raw body>` with the secret. */
const s = (tMs: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${tMs}.`).update(payload).digest('base64');
const signed = (tMs: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${tMs},s=${s(tMs, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'knock', request: delivery(headers, payload), keys, clock: at(clock) });

describe('knock', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: base64.b64encode(hmac.new(b'knock-signing-secret',
    //   b'1719921600123.' + body, sha256).digest())
    const header = `t=${ms},s=2QkPDDVj4NOf/pwHZd2K2iIMwpCXXOu1SC9Z3PMZrpA=`;
    expect(await verify({ 'x-knock-signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now + 0.123,
    });
  });

  it('reads the event type from the signed body, not the unsigned x-knock-event', async () => {
    expect(readEventFields(getScheme('knock'), Buffer.from(body))).toEqual({
      type: 'message.sent',
    });
    const verdict = await verify({ 'x-knock-signature': signed(ms), 'x-knock-event': 'x.y' });
    expect(verdict).toMatchObject({ accepted: true });
    expect(verdict).not.toHaveProperty('eventType');
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'x-knock-signature': 'garbage' }],
    ['malformed_header', { 'x-knock-signature': `s=${s(ms)}` }],
    ['unsupported_version', { 'x-knock-signature': `t=${ms},v1=${s(ms)}` }],
    ['signature_mismatch', { 'x-knock-signature': signed(ms, `${body} `) }],
    ['signature_mismatch', { 'x-knock-signature': signed(ms, body, 'other-secret') }],
    // The seconds a Stripe verifier would sign: Knock's t is milliseconds.
    ['signature_mismatch', { 'x-knock-signature': `t=${ms},s=${s(now)}` }],
    // The same digest written as base64url, or without its padding, is not Knock's text.
    ['signature_mismatch', { 'x-knock-signature': `t=${ms},s=${s(ms).replace(/=+$/, '')}` }],
    [
      'signature_mismatch',
      {
        'x-knock-signature': `t=${ms},s=${createHmac('sha256', secret).update(`${ms}.${body}`).digest('base64url')}`,
      },
    ],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    const header = { 'x-knock-signature': signed(now * 1000) };
    expect(await verify(header, now + 301)).toMatchObject({ reason: 'timestamp_too_old' });
    expect(await verify(header, now - 301)).toMatchObject({ reason: 'timestamp_too_new' });
  });
});

describeSchemeProperties({
  scheme: 'knock',
  keys,
  signatureHeader: 'x-knock-signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'x-knock-signature': signed(timestampSeconds * 1000, body) }, body),
});
