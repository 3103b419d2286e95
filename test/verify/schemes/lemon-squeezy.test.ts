import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'lemon-signing-secret';
const body = '{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1"}}';
const sign = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, keys = [{ value: secret }]) =>
  verifyDelivery({ scheme: 'lemon-squeezy', request: delivery(headers, body), keys });

describe('lemon-squeezy', () => {
  it('accepts a signature computed independently (Python hmac) and reports X-Event-Name', async () => {
    const verdict = await verify({
      'X-Signature': '9a2b034ffc26dbecf630f01edfada001f340dc77d633d4dd4829d2579f367ab1',
      'X-Event-Name': 'order_created',
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0, eventType: 'order_created' });
    expect(verdict).not.toHaveProperty('deliveryId');
  });

  it('accepts with whichever of several signing secrets signed', async () => {
    const verdict = await verify({ 'x-signature': sign(body) }, [
      { value: 'previous' },
      { value: secret },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'X-Signature': 'zz-not-hex' }],
    ['signature_mismatch', { 'X-Signature': sign(body, 'wrong-secret') }],
    ['signature_mismatch', { 'X-Signature': sign(body).toUpperCase() }],
    ['signature_mismatch', { 'X-Signature': sign(body).slice(2) }],
    ['malformed_header', { 'X-Signature': `sha256=${sign(body)}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no signing secret is configured', async () => {
    expect(await verify({ 'X-Signature': sign(body) }, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = sign('tampered');
    const text = JSON.stringify(await verify({ 'X-Signature': signature }));
    for (const leak of [secret, signature, body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'lemon-squeezy',
  keys: [{ value: secret }],
  signatureHeader: 'X-Signature',
  sign: ({ body }) =>
    delivery(
      {
        'X-Signature': createHmac('sha256', secret).update(body).digest('hex'),
        'X-Event-Name': 'subscription_created',
      },
      body,
    ),
});
