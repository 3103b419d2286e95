import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'whsec_test_secret';
const keys = [{ id: 'current', value: secret }];
const body = '{"id":"evt_1","type":"payment_intent.succeeded"}';
const sdk = new Stripe('sk_test_unused');

function signed(timestamp: number, payload = body, key = secret) {
  const hex = createHmac('sha256', key).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${hex}`;
}

const verify = (header: Record<string, string>, now = 1_700_000_000, payload = body) =>
  verifyDelivery({ scheme: 'stripe', request: delivery(header, payload), keys, clock: at(now) });

describe('stripe', () => {
  it("accepts a header made by the Stripe SDK's own test signer", async () => {
    const header = sdk.webhooks.generateTestHeaderString({
      payload: body,
      secret,
      timestamp: 1_700_000_000,
    });
    expect(await verify({ 'Stripe-Signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: 1_700_000_000,
    });
  });

  it("signs what the Stripe SDK's constructEvent accepts", async () => {
    const header = signed(Math.floor(Date.now() / 1000));
    expect(sdk.webhooks.constructEvent(body, header, secret).id).toBe('evt_1');
  });

  it('accepts when any v1 signature matches, as during a secret roll', async () => {
    const header = `${signed(1_700_000_000, body, 'whsec_new')},v1=${signed(1_700_000_000).split('v1=')[1]}`;
    expect(await verify({ 'stripe-signature': header })).toMatchObject({ accepted: true });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'stripe',
      request: delivery({ 'stripe-signature': signed(1_700_000_000) }, body),
      keys: [{ value: 'whsec_old' }, { value: secret }],
      clock: at(1_700_000_000),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it('ignores v0 and unknown schemes beside a valid v1', async () => {
    const header = `${signed(1_700_000_000)},v0=abc,v9=def`;
    expect(await verify({ 'stripe-signature': header })).toMatchObject({ accepted: true });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'stripe-signature': 'garbage' }],
    ['malformed_header', { 'stripe-signature': 'v1=abcd' }],
    ['malformed_header', { 'stripe-signature': 't=12x,v1=abcd' }],
    ['malformed_header', { 'stripe-signature': 't=1,t=2,v1=abcd' }],
    ['unsupported_version', { 'stripe-signature': 't=1700000000,v0=abcd' }],
    ['signature_mismatch', { 'stripe-signature': signed(1_700_000_000, 'other body') }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a timestamp past the 300 s tolerance as too old', async () => {
    const verdict = await verify({ 'stripe-signature': signed(1_700_000_000) }, 1_700_000_301);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    const verdict = await verify({ 'stripe-signature': signed(1_700_000_000) }, 1_699_999_699);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'stripe',
      request: delivery({ 'stripe-signature': signed(1_700_000_000) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const header = signed(1_700_000_000, 'tampered');
    const verdict = await verify({ 'stripe-signature': header });
    const text = JSON.stringify(verdict);
    for (const leak of [secret, header.split('v1=')[1] as string, body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'stripe',
  keys,
  signatureHeader: 'Stripe-Signature',
  sign: ({ body, timestampSeconds }) => {
    const hex = createHmac('sha256', secret)
      .update(`${timestampSeconds}.`)
      .update(body)
      .digest('hex');
    return delivery({ 'Stripe-Signature': `t=${timestampSeconds},v1=${hex}` }, body);
  },
});
