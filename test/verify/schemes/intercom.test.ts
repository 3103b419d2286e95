import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'intercom-client-secret';
const body =
  '{"type":"notification_event","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"user.created","app_id":"a86dr8yl"}';
const sign = (payload: string | Uint8Array, key = secret) =>
  `sha1=${createHmac('sha1', key).update(payload).digest('hex')}`;

const verify = (headers: Record<string, string>, keys = [{ value: secret }]) =>
  verifyDelivery({ scheme: 'intercom', request: delivery(headers, body), keys });

describe('intercom', () => {
  it('accepts a signature computed independently (Python hmac) from the documented algorithm', async () => {
    const verdict = await verify({
      'X-Hub-Signature': 'sha1=b090eaa644179b8837cf7694b7116b43769408d4',
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it('names the body fields that hold the notification id and topic', () => {
    expect(readEventFields(getScheme('intercom'), Buffer.from(body))).toEqual({
      id: 'notif_78c122d0-23ba-11e4-9464-79b01267cc2e',
      type: 'user.created',
    });
  });

  it('accepts with whichever of several client secrets signed', async () => {
    const verdict = await verify({ 'x-hub-signature': sign(body) }, [
      { value: 'old-secret' },
      { value: secret },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['unsupported_version', { 'X-Hub-Signature': `sha256=${'0'.repeat(64)}` }],
    [
      'malformed_header',
      { 'X-Hub-Signature': createHmac('sha1', secret).update(body).digest('hex') },
    ],
    ['malformed_header', { 'X-Hub-Signature': 'sha1=not-hex' }],
    ['signature_mismatch', { 'X-Hub-Signature': sign(body, 'wrong-secret') }],
    ['signature_mismatch', { 'X-Hub-Signature': 'sha1=abcd' }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no client secret is configured', async () => {
    expect(await verify({ 'X-Hub-Signature': sign(body) }, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = sign('tampered');
    const text = JSON.stringify(await verify({ 'X-Hub-Signature': signature }));
    for (const leak of [secret, signature.slice(5), body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'intercom',
  keys: [{ value: secret }],
  signatureHeader: 'X-Hub-Signature',
  sign: ({ body }) =>
    delivery(
      { 'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}` },
      body,
    ),
});
