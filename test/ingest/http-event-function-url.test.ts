/**
 * readHttpEvent on a Lambda function URL event: the v2 shape with route `$default` and no path
 * parameters (Lambda Developer Guide, "Invoking Lambda function URLs"), so the provider's id
 * comes from the raw path.
 */
import { describe, expect, it } from 'vitest';
import { type HttpApiEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';

const host = 'abcdefghij0123456789.lambda-url.eu-west-1.on.aws';
const body = 'AccountSid=AC1&Body=hi';

function functionUrlEvent(overrides: Partial<HttpApiEvent> = {}): HttpApiEvent {
  return {
    version: '2.0',
    rawPath: '/v1/webhooks/twilio-sms',
    rawQueryString: 'b=2&a=1&a=%2F',
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': 'c2lnbmF0dXJl',
      'x-forwarded-for': '203.0.113.9',
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: 'req-url',
      domainName: host,
      http: { method: 'POST', sourceIp: '203.0.113.9', userAgent: 'TwilioProxy/1.1' },
    },
    ...overrides,
  };
}

describe('readHttpEvent, Lambda function URL', () => {
  it('reads the provider id from the raw path, and the url with the raw query as sent', () => {
    const request = readHttpEvent(functionUrlEvent());
    expect(request).toMatchObject({
      method: 'POST',
      providerId: 'twilio-sms',
      url: `https://${host}/v1/webhooks/twilio-sms?b=2&a=1&a=%2F`,
      sourceIp: '203.0.113.9',
      userAgent: 'TwilioProxy/1.1',
      requestId: 'req-url',
    });
    expect(Buffer.from(request.body).toString('utf8')).toBe(body);
  });

  it('decodes a percent-encoded id as API Gateway decodes a path parameter', () => {
    expect(
      readHttpEvent(functionUrlEvent({ rawPath: '/v1/webhooks/acme%2Dprod' })).providerId,
    ).toBe('acme-prod');
  });

  it.each([
    ['the root', '/'],
    ['the webhooks path without an id', '/v1/webhooks/'],
    ['a deeper path', '/v1/webhooks/stripe/extra'],
    ['another prefix', '/v2/webhooks/stripe'],
    ['a trailing slash', '/v1/webhooks/stripe/'],
    ['an id that is not valid percent-encoding', '/v1/webhooks/%E0%A4%A'],
  ])('reads %s as no provider (an empty id, refused as unknown)', (_name, rawPath) => {
    expect(readHttpEvent(functionUrlEvent({ rawPath })).providerId).toBe('');
  });

  it('prefers a path parameter when the event has one (an HTTP API route)', () => {
    const event = functionUrlEvent({ pathParameters: { providerId: 'from-route' } });
    expect(readHttpEvent(event).providerId).toBe('from-route');
  });

  it('keeps a text body that arrives as a string as its UTF-8 bytes', () => {
    const json = '{"id":"evt_1","name":"Zoë"}';
    const request = readHttpEvent(functionUrlEvent({ body: json, isBase64Encoded: false }));
    expect(Buffer.from(request.body).equals(Buffer.from(json, 'utf8'))).toBe(true);
  });
});
