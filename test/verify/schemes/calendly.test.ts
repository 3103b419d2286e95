import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'calendly-signing-key';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"created_at":"2024-07-02T12:00:00.000000Z","created_by":"https://api.calendly.com/users/AAAA","event":"invitee.created","payload":{}}';
const now = 1_719_921_600;

/** Calendly's documented algorithm: hex HMAC-SHA256 of `<t>.<raw body>` with the signing key. */
const v1 = (t: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(payload).digest('hex');
const signed = (t: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${t},v1=${v1(t, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({
    scheme: 'calendly',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('calendly', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'calendly-signing-key', b'1719921600.' + body, sha256).hexdigest()
    const header = `t=${now},v1=631a597300f266cb3ad04d93b484090c95bf8ca78ccace68732a1f4885b590ee`;
    expect(await verify({ 'Calendly-Webhook-Signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('leaves the event type to the body, read after verification', () => {
    expect(readEventFields(getScheme('calendly'), Buffer.from(body))).toEqual({
      type: 'invitee.created',
    });
  });

  it('accepts with whichever of several signing keys signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'calendly',
      request: delivery({ 'calendly-webhook-signature': signed(now) }, body),
      keys: [{ value: 'old-key' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it('accepts when any v1 matches and ignores unknown entries', async () => {
    const header = `t=${now},v0=abcd,v1=${v1(now, body, 'other')},v1=${v1(now)},v9=x`;
    expect(await verify({ 'calendly-webhook-signature': header })).toMatchObject({
      accepted: true,
    });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'calendly-webhook-signature': 'garbage' }],
    ['malformed_header', { 'calendly-webhook-signature': `v1=${v1(now)}` }],
    ['malformed_header', { 'calendly-webhook-signature': `t=-1,v1=${v1(-1)}` }],
    ['malformed_header', { 'calendly-webhook-signature': `t=${now},t=${now},v1=${v1(now)}` }],
    ['unsupported_version', { 'calendly-webhook-signature': `t=${now},v0=${v1(now)}` }],
    ['signature_mismatch', { 'calendly-webhook-signature': signed(now, 'other body') }],
    ['signature_mismatch', { 'calendly-webhook-signature': signed(now, body, 'wrong-key') }],
    ['signature_mismatch', { 'calendly-webhook-signature': `t=${now},v1=${v1(now).slice(2)}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('accepts a timestamp 180 s old and rejects one second past that as too old', async () => {
    const header = { 'calendly-webhook-signature': signed(now) };
    expect(await verify(header, now + 180)).toMatchObject({ accepted: true });
    expect(await verify(header, now + 181)).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 180 s ahead as too new', async () => {
    const verdict = await verify({ 'calendly-webhook-signature': signed(now) }, now - 181);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('rejects with no_keys when no signing key is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'calendly',
      request: delivery({ 'calendly-webhook-signature': signed(now) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const header = signed(now, 'tampered');
    const text = JSON.stringify(await verify({ 'calendly-webhook-signature': header }));
    for (const leak of [secret, header.split('v1=')[1] as string, body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'calendly',
  keys,
  signatureHeader: 'Calendly-Webhook-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'Calendly-Webhook-Signature': signed(timestampSeconds, body) }, body),
});
