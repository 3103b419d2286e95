import { createHmac } from 'node:crypto';
import { WorkOS } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'wos_webhook_secret';
const keys = [{ id: 'current', value: secret }];
const event = {
  id: 'wh_01HZ',
  event: 'user.created',
  data: { id: 'user_01' },
  created_at: '2024-07-02T12:00:00.000Z',
};
// The WorkOS SDK signs JSON.stringify(payload), so this is the exact body it covers.
const body = JSON.stringify(event);
const now = 1_719_921_600;
const workos = new WorkOS('sk_test_unused');

/** WorkOS's documented algorithm: hex HMAC-SHA256 of `<t ms>.<raw body>` with the secret. */
const v1 = (tMs: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${tMs}.`).update(payload).digest('hex');
const signed = (tMs: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${tMs}, v1=${v1(tMs, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'workos', request: delivery(headers, payload), keys, clock: at(clock) });

describe('workos', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'wos_webhook_secret', b'1719921600000.' + body, sha256).hexdigest()
    const header = `t=${now}000, v1=20f73f080d6a862eea3c0f87716d1f9d8d08bb43fff3d20075b840fa376ee843`;
    expect(await verify({ 'WorkOS-Signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('accepts a signature computed by @workos-inc/node', async () => {
    const hex = await workos.webhooks.computeSignature(`${now}123`, event, secret);
    const verdict = await verify({ 'WorkOS-Signature': `t=${now}123, v1=${hex}` });
    expect(verdict).toMatchObject({ accepted: true, timestamp: now + 0.123 });
  });

  it('signs what @workos-inc/node constructEvent accepts', async () => {
    const sigHeader = signed(Date.now());
    expect(await workos.webhooks.verifyHeader({ payload: event, sigHeader, secret })).toBe(true);
    const parsed = await workos.webhooks.constructEvent({ payload: event, sigHeader, secret });
    expect(parsed.id).toBe('wh_01HZ');
  });

  it('leaves the event id and type to the body, read after verification', () => {
    expect(readEventFields(getScheme('workos'), Buffer.from(body))).toEqual({
      id: 'wh_01HZ',
      type: 'user.created',
    });
  });

  it('accepts the header with or without the space after the comma', async () => {
    const tight = `t=${now}000,v1=${v1(`${now}000`)}`;
    expect(await verify({ 'workos-signature': tight })).toMatchObject({ accepted: true });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'workos',
      request: delivery({ 'workos-signature': signed(now * 1000) }, body),
      keys: [{ value: 'old-secret' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  const ms = now * 1000;
  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'workos-signature': 'garbage' }],
    ['malformed_header', { 'workos-signature': `v1=${v1(ms)}` }],
    ['malformed_header', { 'workos-signature': `t=${ms}.5, v1=${v1(`${ms}.5`)}` }],
    ['malformed_header', { 'workos-signature': `t=${ms}, t=${ms}, v1=${v1(ms)}` }],
    ['unsupported_version', { 'workos-signature': `t=${ms}, v0=${v1(ms)}` }],
    ['signature_mismatch', { 'workos-signature': signed(ms, 'other body') }],
    ['signature_mismatch', { 'workos-signature': signed(ms, body, 'wrong-secret') }],
    // Signed with the timestamp in seconds: the text is what is signed.
    ['signature_mismatch', { 'workos-signature': `t=${ms}, v1=${v1(now)}` }],
    ['signature_mismatch', { 'workos-signature': `t=${ms}, v1=${v1(ms)}ff` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('reads t as milliseconds: 180 s old is accepted, 180.001 s is too old', async () => {
    const header = { 'workos-signature': signed(ms) };
    expect(await verify(header, now + 180)).toMatchObject({ accepted: true });
    const late = await verifyDelivery({
      scheme: 'workos',
      request: delivery(header, body),
      keys,
      clock: () => ms + 180_001,
    });
    expect(late).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 180 s ahead as too new', async () => {
    const verdict = await verify({ 'workos-signature': signed(ms) }, now - 181);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'workos',
      request: delivery({ 'workos-signature': signed(ms) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const header = signed(ms, 'tampered');
    const text = JSON.stringify(await verify({ 'workos-signature': header }));
    for (const leak of [secret, header.split('v1=')[1] as string, body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'workos',
  keys,
  signatureHeader: 'WorkOS-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'WorkOS-Signature': signed(timestampSeconds * 1000, body) }, body),
});
