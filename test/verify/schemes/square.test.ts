import { createHmac } from 'node:crypto';
import { WebhooksHelper } from 'square';
import { describe, expect, it } from 'vitest';
import { SchemeOptionsError } from '../../../functions/verify/errors.ts';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import type { SquareOptions } from '../../../functions/verify/schemes/square.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const key = 'square-signature-key';
const configuredUrl = 'https://hooks.example.com/v1/webhooks/square';
/** What API Gateway might hand us for the same call: another host, the stage in the path. */
const rewrittenUrl = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/webhooks/square';
const body = '{"merchant_id":"M1","type":"payment.updated","event_id":"e-1","data":{}}';
const sign = (algorithm: 'sha256' | 'sha1', url: string, payload: string | Uint8Array, k = key) =>
  createHmac(algorithm, k).update(url).update(payload).digest('base64');

const verify = (
  headers: Record<string, string>,
  { url = configuredUrl, options = {} as Partial<SquareOptions>, keys = [{ value: key }] } = {},
) =>
  verifyDelivery({
    scheme: 'square',
    request: delivery(headers, body, url),
    keys,
    options: { allowSha1: false, ...options },
  });

describe('square', () => {
  const vectors: { key: string; url: string; body: string; sig: string }[] =
    officialVector('square');

  it.each(vectors.map((vector, index) => [index, vector] as const))(
    'accepts published square-nodejs-sdk vector %i, signed over the request URL',
    async (_index, vector) => {
      const verdict = await verifyDelivery({
        scheme: 'square',
        request: delivery({ 'x-square-hmacsha256-signature': vector.sig }, vector.body, vector.url),
        keys: [{ value: vector.key }],
      });
      expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
    },
  );

  it('signs what the Square SDK WebhooksHelper.verifySignature accepts', async () => {
    const accepted = await WebhooksHelper.verifySignature({
      requestBody: body,
      signatureHeader: sign('sha256', configuredUrl, body),
      signatureKey: key,
      notificationUrl: configuredUrl,
    });
    expect(accepted).toBe(true);
    expect(
      await verify({ 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body) }),
    ).toMatchObject({ accepted: true });
  });

  it('rejects a delivery whose URL was rewritten on the way, unless notificationUrl is set', async () => {
    const headers = { 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body) };
    expect(await verify(headers, { url: rewrittenUrl })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
    const options = { notificationUrl: configuredUrl };
    expect(await verify(headers, { url: rewrittenUrl, options })).toMatchObject({
      accepted: true,
    });
  });

  it('signs the notification URL text verbatim, without normalising it', async () => {
    const verdict = await verify(
      { 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body) },
      { options: { notificationUrl: 'https://HOOKS.example.com:443/v1/webhooks/square' } },
    );
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('accepts the legacy x-square-signature (HMAC-SHA1) only when allowSha1 is set', async () => {
    const headers = { 'x-square-signature': sign('sha1', configuredUrl, body) };
    expect(await verify(headers, { options: { allowSha1: true } })).toMatchObject({
      accepted: true,
    });
    expect(await verify(headers)).toMatchObject({ accepted: false, reason: 'unsupported_version' });
  });

  it('matches a legacy signature computed independently (Python hmac)', async () => {
    const verdict = await verifyDelivery({
      scheme: 'square',
      request: delivery(
        { 'x-square-signature': 'zXelvWdExBAlgZrzqpmtIq5em9w=' },
        '{"data":{"type":"webhooks","id":"fake_id"}}',
        'https://webhook.site/webhooks',
      ),
      keys: [{ value: 'signature-key' }],
      options: { allowSha1: true },
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('uses the SHA-256 signature when both are sent, even with SHA-1 enabled', async () => {
    const headers = {
      'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body),
      'x-square-signature': 'AAAA',
    };
    expect(await verify(headers, { options: { allowSha1: true } })).toMatchObject({
      accepted: true,
    });
    const forged = { ...headers, 'x-square-hmacsha256-signature': 'AAAA' };
    const legacy = { ...forged, 'x-square-signature': sign('sha1', configuredUrl, body) };
    expect(await verify(legacy, { options: { allowSha1: true } })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('names the body fields that hold the event id and type', () => {
    expect(readEventFields(getScheme('square'), Buffer.from(body))).toEqual({
      id: 'e-1',
      type: 'payment.updated',
    });
  });

  it('parses options, refusing a notificationUrl that is not an absolute URL', () => {
    const parse = getScheme('square').parseOptions;
    expect(parse?.({})).toEqual({ notificationUrl: undefined, allowSha1: false });
    expect(parse?.({ notificationUrl: configuredUrl, allowSha1: 'true' })).toEqual({
      notificationUrl: configuredUrl,
      allowSha1: true,
    });
    expect(() => parse?.({ notificationUrl: '/v1/webhooks/square' })).toThrow(SchemeOptionsError);
    expect(() => parse?.({ url: configuredUrl })).toThrow(SchemeOptionsError);
  });

  it('accepts with whichever of several signature keys signed', async () => {
    const headers = { 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body) };
    const keys = [{ value: 'old-key' }, { value: key }];
    expect(await verify(headers, { keys })).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'x-square-hmacsha256-signature': '' }],
    ['malformed_header', { 'x-square-hmacsha256-signature': 'not base64!' }],
    ['unsupported_version', { 'x-square-signature': sign('sha1', configuredUrl, body) }],
    [
      'signature_mismatch',
      { 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body, 'wrong') },
    ],
    ['signature_mismatch', { 'x-square-hmacsha256-signature': sign('sha256', '', body) }],
    ['signature_mismatch', { 'x-square-hmacsha256-signature': 'abcd' }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no signature key is configured', async () => {
    const headers = { 'x-square-hmacsha256-signature': sign('sha256', configuredUrl, body) };
    expect(await verify(headers, { keys: [] })).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the key, signature or body in a rejection', async () => {
    const signature = sign('sha256', configuredUrl, 'tampered');
    const text = JSON.stringify(await verify({ 'x-square-hmacsha256-signature': signature }));
    for (const leak of [key, signature, body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'square',
  keys: [{ value: key }],
  signatureHeader: 'x-square-hmacsha256-signature',
  sign: ({ body }) => {
    const request = delivery({}, body, configuredUrl);
    const signature = createHmac('sha256', key).update(request.url).update(body).digest('base64');
    return { ...request, headers: { 'x-square-hmacsha256-signature': signature } };
  },
});

describeSchemeProperties({
  scheme: 'square',
  options: { notificationUrl: configuredUrl, allowSha1: true },
  keys: [{ value: key }],
  signatureHeader: 'x-square-signature',
  sign: ({ body }) =>
    delivery(
      {
        'x-square-signature': createHmac('sha1', key)
          .update(configuredUrl)
          .update(body)
          .digest('base64'),
      },
      body,
      rewrittenUrl,
    ),
});
