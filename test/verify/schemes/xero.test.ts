import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const key = 'x3r0-w3bh00k-k3y/AbC+dEf==';
/** Xero's "Intent to receive" payload, from its documentation. */
const body =
  '{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}';
const sign = (payload: string | Uint8Array, secret = key) =>
  createHmac('sha256', secret).update(payload).digest('base64');

const verify = (headers: Record<string, string>, keys = [{ value: key }]) =>
  verifyDelivery({ scheme: 'xero', request: delivery(headers, body), keys });

describe('xero', () => {
  it('accepts a signature computed independently (Python hmac) from the documented algorithm', async () => {
    const verdict = await verify({
      'x-xero-signature': '9T8vltI0+C2fjyjRaJ1T94oqtG7KtC6YPbsgO0HbId8=',
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it('uses the webhook key as text, not as decoded base64', async () => {
    const decodedKey = Buffer.from(key, 'base64');
    const signature = createHmac('sha256', decodedKey).update(body).digest('base64');
    expect(await verify({ 'x-xero-signature': signature })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts with whichever of several webhook keys signed', async () => {
    const verdict = await verify({ 'X-Xero-Signature': sign(body) }, [
      { value: 'retired-key' },
      { value: key },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'x-xero-signature': '' }],
    ['malformed_header', { 'x-xero-signature': 'sha256=abc' }],
    ['signature_mismatch', { 'x-xero-signature': sign(body, 'wrong-key') }],
    ['signature_mismatch', { 'x-xero-signature': sign(`${body} `) }],
    ['signature_mismatch', { 'x-xero-signature': 'AAAA' }],
  ])(
    'rejects with %s, as Intent to receive expects for a mis-signed payload',
    async (reason, headers) => {
      expect(await verify(headers)).toMatchObject({ accepted: false, reason });
    },
  );

  it('rejects with no_keys when no webhook key is configured', async () => {
    expect(await verify({ 'x-xero-signature': sign(body) }, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the key, signature or body in a rejection', async () => {
    const signature = sign('tampered');
    const text = JSON.stringify(await verify({ 'x-xero-signature': signature }));
    for (const leak of [key, signature, body, 'S0m3r4Nd0mt3xt']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'xero',
  keys: [{ value: key }],
  signatureHeader: 'x-xero-signature',
  sign: ({ body }) =>
    delivery({ 'x-xero-signature': createHmac('sha256', key).update(body).digest('base64') }, body),
});
