import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'a2b5c8e1f4d7a0b3c6e9f2d5a8b1c4e7f0d3a6b9';
const body =
  '{"event_id":"01HM3K8N2P9X4ABCDEFGHIJKLM","event_type":"form_response","form_response":{}}';
const b64 = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('base64');

const verify = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
  verifyDelivery({
    scheme: 'typeform',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
  });

describe('typeform', () => {
  it('accepts a known answer computed as Typeform documents it', async () => {
    // HMAC-SHA256 keyed with the secret, base64 with padding, prefixed `sha256=`; computed
    // separately with `openssl dgst -sha256 -hmac <secret> -binary | base64`.
    const header = 'sha256=Md1YPqHdtHb1YceWcrGkUS00ZCQx0uXrnuRIlKLTt0Y=';
    expect(header).toBe(`sha256=${b64(body)}`);
    expect(await verify({ 'Typeform-Signature': header })).toMatchObject({ accepted: true });
  });

  it('reads event_id and event_type from the verified body', () => {
    expect(readEventFields(getScheme('typeform'), Buffer.from(body))).toEqual({
      id: '01HM3K8N2P9X4ABCDEFGHIJKLM',
      type: 'form_response',
    });
  });

  it('verifies the body bytes as received, not re-encoded text', async () => {
    const bytes = Uint8Array.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    expect(await verify({ 'typeform-signature': `sha256=${b64(bytes)}` }, bytes)).toMatchObject({
      accepted: true,
    });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'typeform',
      request: delivery({ 'typeform-signature': `sha256=${b64(body)}` }, body),
      keys: [{ value: 'previous' }, { value: secret }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['unsupported_version', { 'typeform-signature': `sha1=${b64(body)}` }],
    ['unsupported_version', { 'typeform-signature': b64(body) }],
    ['signature_mismatch', { 'typeform-signature': `sha256=${b64(body, 'wrong')}` }],
    ['signature_mismatch', { 'typeform-signature': 'sha256=abcd' }],
    [
      'signature_mismatch',
      { 'typeform-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    ],
    ['signature_mismatch', { 'typeform-signature': `sha256=${b64(body).replace(/=+$/, '')}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'typeform',
      request: delivery({ 'typeform-signature': `sha256=${b64(body)}` }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = b64(body, 'forger');
    const text = JSON.stringify(await verify({ 'typeform-signature': `sha256=${signature}` }));
    for (const leak of [secret, signature, 'form_response']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'typeform',
  keys: [{ value: secret }],
  signatureHeader: 'Typeform-Signature',
  sign: ({ body }) =>
    delivery(
      {
        'Typeform-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`,
      },
      body,
    ),
});
