import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'mux-signing-secret';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"type":"video.asset.ready","id":"3a56ac3d-33da-4366-855b-f592d898409d","object":{"type":"asset","id":"asset_1"}}';
const now = 1_719_921_600;

/** Mux's documented algorithm: hex HMAC-SHA256 of `<t>.<raw body>` with the signing secret. */
const v1 = (t: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(payload).digest('hex');
const signed = (t: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${t},v1=${v1(t, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'mux', request: delivery(headers, payload), keys, clock: at(clock) });

describe('mux', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'mux-signing-secret', b'1719921600.' + body, sha256).hexdigest()
    const header = `t=${now},v1=daebe98e3b59475d0edc85bc7ac43cb6fb3633c8d43e24a3ba244968e937061f`;
    expect(await verify({ 'Mux-Signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('reads the event id and type from the verified body, as its webhook spec names them', () => {
    expect(readEventFields(getScheme('mux'), Buffer.from(body))).toEqual({
      id: '3a56ac3d-33da-4366-855b-f592d898409d',
      type: 'video.asset.ready',
    });
  });

  it('refuses a signature over another body, another secret, or no v1 at all', async () => {
    expect(await verify({ 'mux-signature': signed(now, `${body} `) })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
    expect(await verify({ 'mux-signature': signed(now, body, 'other') })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
    expect(await verify({ 'mux-signature': `t=${now},v0=${v1(now)}` })).toMatchObject({
      accepted: false,
      reason: 'unsupported_version',
    });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    expect(await verify({ 'mux-signature': signed(now - 301) })).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify({ 'mux-signature': signed(now + 301) })).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });
});

describeSchemeProperties({
  scheme: 'mux',
  keys,
  signatureHeader: 'Mux-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'Mux-Signature': signed(timestampSeconds, body) }, body),
});
