import { createHmac } from 'node:crypto';
import { Paddle } from '@paddle/paddle-node-sdk';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
const keys = [{ id: 'current', value: secret }];
const body = '{"event_id":"evt_01h","event_type":"transaction.completed","data":{}}';
const now = 1_700_000_000;

/** Paddle's documented algorithm: hex HMAC-SHA256 of `<ts>:<raw body>` with the secret key. */
const h1 = (ts: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${ts}:`).update(payload).digest('hex');
const signed = (ts: number, payload: string | Uint8Array = body, key = secret) =>
  `ts=${ts};h1=${h1(ts, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'paddle', request: delivery(headers, payload), keys, clock: at(clock) });

describe('paddle', () => {
  it("accepts both published vectors from the Paddle SDK's tests at their mock clock", async () => {
    const vector = officialVector('paddle');
    const clock = at(1_698_796_800); // the tests' mock clock, 2023-11-01T00:00:00Z
    for (const [payload, header] of [
      [vector.body, vector['Paddle-Signature']],
      [vector.body2, vector['Paddle-Signature2']],
    ]) {
      const verdict = await verifyDelivery({
        scheme: 'paddle',
        request: delivery({ 'Paddle-Signature': header }, payload),
        keys: [{ value: vector.secret }],
        clock,
      });
      expect(verdict).toMatchObject({ accepted: true, timestamp: 1_698_796_800 });
    }
  });

  it("signs what the Paddle SDK's own verifier accepts", async () => {
    const webhooks = new Paddle('unused_api_key').webhooks;
    const header = signed(Math.floor(Date.now() / 1000));
    expect(await webhooks.isSignatureValid(body, secret, header)).toBe(true);
    expect(await webhooks.isSignatureValid(`${body} `, secret, header)).toBe(false);
  });

  it('accepts when any h1 matches, as while a secret key is rotated', async () => {
    const header = `ts=${now};h1=${h1(now, body, 'pdl_old')};h1=${h1(now)}`;
    expect(await verify({ 'Paddle-Signature': header })).toMatchObject({ accepted: true });
  });

  it('accepts with whichever of several keys signed, and reports its index', async () => {
    const verdict = await verifyDelivery({
      scheme: 'paddle',
      request: delivery({ 'paddle-signature': signed(now) }, body),
      keys: [{ value: 'pdl_old' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it('skips unknown entries such as h2 beside a valid h1', async () => {
    const header = `ts=${now};h2=abcd;h1=${h1(now)};x=1`;
    expect(await verify({ 'paddle-signature': header })).toMatchObject({ accepted: true });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'paddle-signature': 'garbage' }],
    ['malformed_header', { 'paddle-signature': `h1=${h1(now)}` }],
    ['malformed_header', { 'paddle-signature': `ts=17e8;h1=${h1('17e8')}` }],
    ['malformed_header', { 'paddle-signature': `ts=${now};ts=${now};h1=${h1(now)}` }],
    ['unsupported_version', { 'paddle-signature': `ts=${now};h2=${h1(now)}` }],
    ['signature_mismatch', { 'paddle-signature': signed(now, 'other body') }],
    ['signature_mismatch', { 'paddle-signature': signed(now, body, 'pdl_wrong') }],
    ['signature_mismatch', { 'paddle-signature': `ts=${now};h1=${h1(now).toUpperCase()}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a signature of the wrong length without throwing', async () => {
    for (const cut of [h1(now).slice(1), `${h1(now)}00`, '']) {
      const verdict = await verify({ 'paddle-signature': `ts=${now};h1=${cut}` });
      expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    }
  });

  it('accepts a timestamp 5 s old, the Paddle SDK default, and rejects 6 s as too old', async () => {
    const header = { 'paddle-signature': signed(now) };
    expect(await verify(header, now + 5)).toMatchObject({ accepted: true });
    expect(await verify(header, now + 6)).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 5 s ahead as too new', async () => {
    const verdict = await verify({ 'paddle-signature': signed(now) }, now - 6);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('reports signature_mismatch, not the timestamp, for a forged old delivery', async () => {
    const verdict = await verify({ 'paddle-signature': signed(now, 'forged') }, now + 3600);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('rejects with no_keys when no secret key is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'paddle',
      request: delivery({ 'paddle-signature': signed(now) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    for (const [header, clock] of [
      [signed(now, 'tampered'), now],
      [signed(now), now + 60],
    ] as const) {
      const text = JSON.stringify(await verify({ 'paddle-signature': header }, clock));
      for (const leak of [secret, header.split('h1=')[1] as string, body]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describeSchemeProperties({
  scheme: 'paddle',
  keys,
  signatureHeader: 'Paddle-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'Paddle-Signature': signed(timestampSeconds, body) }, body),
});
