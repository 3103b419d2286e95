import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'shopify-client-secret';
const body = '{"id":820982911946154508,"email":"jon@example.com"}';
const sign = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('base64');

const verify = (
  headers: Record<string, string>,
  payload = body,
  keys: readonly VerificationKey[] = [{ value: secret }],
) => verifyDelivery({ scheme: 'shopify', request: delivery(headers, payload), keys });

describe('shopify', () => {
  it('accepts the published shopify-app-js vector', async () => {
    const vector = officialVector('shopify');
    const verdict = await verify(
      { 'X-Shopify-Hmac-Sha256': vector['X-Shopify-Hmac-Sha256'] },
      vector.body,
      [{ value: vector.secret }],
    );
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it('reports X-Shopify-Event-Id as the delivery id and X-Shopify-Topic as the event type', async () => {
    const verdict = await verify({
      'X-Shopify-Hmac-Sha256': sign(body),
      'X-Shopify-Event-Id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
      'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      'X-Shopify-Topic': 'orders/create',
    });
    expect(verdict).toMatchObject({
      accepted: true,
      deliveryId: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      eventType: 'orders/create',
    });
  });

  it('falls back to X-Shopify-Webhook-Id when no event id is sent', async () => {
    const verdict = await verify({
      'X-Shopify-Hmac-Sha256': sign(body),
      'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    });
    expect(verdict).toMatchObject({ deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' });
  });

  it('accepts with whichever of several client secrets signed, as during a rotation', async () => {
    const verdict = await verify({ 'X-Shopify-Hmac-Sha256': sign(body) }, body, [
      { id: 'old', value: 'old-secret' },
      { id: 'new', value: secret },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'new' });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'X-Shopify-Hmac-Sha256': 'not base64!' }],
    ['malformed_header', { 'X-Shopify-Hmac-Sha256': `${sign(body)}, ${sign(body)}` }],
    ['signature_mismatch', { 'X-Shopify-Hmac-Sha256': sign(body, 'wrong-secret') }],
    ['signature_mismatch', { 'X-Shopify-Hmac-Sha256': sign('{"id":1}') }],
    ['signature_mismatch', { 'X-Shopify-Hmac-Sha256': 'abcd' }],
    [
      'signature_mismatch',
      { 'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(body).digest('hex') },
    ],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no client secret is configured', async () => {
    expect(await verify({ 'X-Shopify-Hmac-Sha256': sign(body) }, body, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = sign('tampered');
    const text = JSON.stringify(await verify({ 'X-Shopify-Hmac-Sha256': signature }));
    for (const leak of [secret, signature, body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'shopify',
  keys: [{ value: secret }],
  signatureHeader: 'X-Shopify-Hmac-Sha256',
  sign: ({ body, id }) =>
    delivery(
      {
        'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(body).digest('base64'),
        'X-Shopify-Webhook-Id': id,
        'X-Shopify-Topic': 'orders/create',
      },
      body,
    ),
});
