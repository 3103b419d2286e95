/**
 * A credential header that arrives with more than one value, repeated or under two letter
 * cases, is ambiguous: the verification core refuses it as `malformed_header` before the scheme
 * reads it, naming the header and never its values. Other repeated headers are left alone.
 */
import { describe, expect, it } from 'vitest';
import { type RestApiProxyEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import type { HeaderInput } from '../../functions/verify/types.ts';
import { verifyDelivery, verifyDeliverySync } from '../../functions/verify/verify.ts';
import { at, delivery } from './delivery.ts';

const secret = 'whsec_ambiguous_test';
const keys = [{ id: 'current', value: secret }];
const body = '{"id":"evt_1","type":"payment_intent.succeeded"}';
const now = 1_700_000_000;
const url = 'https://hooks.example.com/v1/webhooks/stripe-live';

const stripe = await signerFor('stripe');
const signed = stripe.sign({
  url,
  method: 'POST',
  body: Buffer.from(body),
  contentType: 'application/json',
  key: { kind: 'secret', value: secret },
  options: {},
  nowMs: now * 1000,
  deliveryId: 'evt_1',
});
/** The one signature header the signer wrote, whatever letter case it chose. */
const genuine = Object.entries(signed.headers).find(
  ([name]) => name.toLowerCase() === 'stripe-signature',
)?.[1] as string;

/** Second values a relay or an attacker could add beside the genuine one. */
const bogusValues = [`t=${now},v1=${'0'.repeat(64)}`, `v1=${'0'.repeat(64)}`];

const stripeInput = (headers: HeaderInput) => ({
  scheme: 'stripe' as const,
  request: delivery(headers, body, url),
  keys,
  clock: at(now),
});

const refusal = {
  accepted: false,
  scheme: 'stripe',
  reason: 'malformed_header',
  detail: 'stripe-signature came more than once',
};

describe('a credential header with more than one value', () => {
  it('is accepted with its one genuine value', async () => {
    expect(genuine).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifyDelivery(stripeInput({ 'Stripe-Signature': genuine }))).toMatchObject({
      accepted: true,
      keyId: 'current',
    });
    expect(verifyDeliverySync(stripeInput({ 'Stripe-Signature': [genuine] }))).toMatchObject({
      accepted: true,
    });
  });

  it.each(bogusValues)('is refused when repeated beside a bogus value (%s)', async (bogus) => {
    for (const values of [
      [genuine, bogus],
      [bogus, genuine],
    ]) {
      const headers = { 'Stripe-Signature': values };
      expect(await verifyDelivery(stripeInput(headers))).toEqual(refusal);
      expect(verifyDeliverySync(stripeInput(headers))).toEqual(refusal);
    }
  });

  it.each(bogusValues)('is refused when sent under two spellings (%s)', async (bogus) => {
    const headers = { 'Stripe-Signature': genuine, 'stripe-signature': bogus };
    expect(await verifyDelivery(stripeInput(headers))).toEqual(refusal);
    expect(verifyDeliverySync(stripeInput(headers))).toEqual(refusal);
  });

  it('is refused when the genuine value is merely sent twice', () => {
    const headers = { 'Stripe-Signature': genuine, 'STRIPE-SIGNATURE': genuine };
    expect(verifyDeliverySync(stripeInput(headers))).toEqual(refusal);
  });

  it('never quotes a value in the refusal', () => {
    const verdict = verifyDeliverySync(stripeInput({ 'Stripe-Signature': [genuine, 'x-leak'] }));
    const text = JSON.stringify(verdict);
    for (const leak of [genuine, 'x-leak', secret]) expect(text).not.toContain(leak);
  });

  it('is refused through the REST API event reader, which keeps both spellings', () => {
    const event: RestApiProxyEvent = {
      httpMethod: 'POST',
      path: '/v1/webhooks/stripe-live',
      headers: { Host: 'hooks.example.com', 'stripe-signature': bogusValues[1] as string },
      multiValueHeaders: {
        Host: ['hooks.example.com'],
        'Stripe-Signature': [genuine],
        'stripe-signature': [bogusValues[1] as string],
      },
      pathParameters: { providerId: 'stripe-live' },
      body,
      requestContext: { requestId: 'req-1', identity: { sourceIp: '203.0.113.7' } },
    };
    const request = readHttpEvent(event);
    expect(verifyDeliverySync({ scheme: 'stripe', request, keys, clock: at(now) })).toEqual(
      refusal,
    );
  });

  it('is refused for a header only the options name (static in header mode)', () => {
    const input = (headers: HeaderInput) => ({
      scheme: 'static' as const,
      request: delivery(headers, body, url),
      keys: [{ value: 'key-1' }],
      options: { mode: 'header' as const, header: 'X-Webhook-Key' },
    });
    expect(verifyDeliverySync(input({ 'X-Webhook-Key': 'key-1' }))).toMatchObject({
      accepted: true,
    });
    expect(
      verifyDeliverySync(input({ 'X-Webhook-Key': 'key-1', 'x-webhook-key': 'other' })),
    ).toEqual({
      accepted: false,
      scheme: 'static',
      reason: 'malformed_header',
      detail: 'x-webhook-key came more than once',
    });
  });
});

describe('a repeated header that carries no credential', () => {
  it('is left to the scheme: Accept twice, in two spellings, still verifies', async () => {
    const headers = {
      'Stripe-Signature': genuine,
      Accept: ['application/json', 'text/plain'],
      accept: '*/*',
    };
    expect(await verifyDelivery(stripeInput(headers))).toMatchObject({ accepted: true });
    expect(verifyDeliverySync(stripeInput(headers))).toMatchObject({ accepted: true });
  });
});
