import { describe, expect, it } from 'vitest';
import { InvalidHttpEventError } from '../../functions/ingest/errors.ts';
import {
  type HttpApiEvent,
  type RestApiProxyEvent,
  readHttpEvent,
} from '../../functions/ingest/http-event.ts';

const body = '{"id":"evt_1"}';

function restEvent(overrides: Partial<RestApiProxyEvent> = {}): RestApiProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/v1/webhooks/stripe-live',
    headers: {
      Host: 'hooks.example.com',
      'Stripe-Signature': 't=1,v1=aa',
      'User-Agent': 'Stripe/1.0',
    },
    multiValueHeaders: {
      Host: ['hooks.example.com'],
      'Stripe-Signature': ['t=1,v1=aa'],
      'User-Agent': ['Stripe/1.0'],
      'X-Forwarded-For': ['198.51.100.1', '203.0.113.7'],
    },
    multiValueQueryStringParameters: { a: ['1', '2'], 'b c': ['d&e'] },
    pathParameters: { providerId: 'stripe-live' },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v1',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      path: '/prod/v1/webhooks/stripe-live',
      identity: { sourceIp: '203.0.113.7', userAgent: 'Stripe/1.0' },
    },
    ...overrides,
  };
}

function httpApiEvent(overrides: Partial<HttpApiEvent> = {}): HttpApiEvent {
  return {
    version: '2.0',
    rawPath: '/v1/webhooks/stripe-live',
    rawQueryString: 'a=1&a=2&b%20c=d%26e',
    cookies: ['x=1', 'y=2'],
    headers: { host: 'hooks.example.com', 'stripe-signature': 't=1,v1=aa', 'x-multi': 'a,b' },
    pathParameters: { providerId: 'stripe-live' },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v2',
      domainName: 'hooks.example.com',
      http: { method: 'POST', sourceIp: '203.0.113.8', userAgent: 'Stripe/1.0' },
    },
    ...overrides,
  };
}

describe('readHttpEvent, REST API (payload v1)', () => {
  it('reads method, provider, url, source, user agent and request id', () => {
    const request = readHttpEvent(restEvent());
    expect(request).toMatchObject({
      method: 'POST',
      providerId: 'stripe-live',
      url: 'https://hooks.example.com/prod/v1/webhooks/stripe-live?a=1&a=2&b%20c=d%26e',
      sourceIp: '203.0.113.7',
      userAgent: 'Stripe/1.0',
      requestId: 'req-v1',
    });
    expect(Buffer.from(request.body).toString('utf8')).toBe(body);
  });

  it('keeps repeated headers as lists, with names in lower case', () => {
    const { headers } = readHttpEvent(restEvent());
    expect(headers['x-forwarded-for']).toEqual(['198.51.100.1', '203.0.113.7']);
    expect(headers['stripe-signature']).toBe('t=1,v1=aa');
  });

  it('falls back to single-value headers and parameters when there are no multi-value ones', () => {
    const request = readHttpEvent(
      restEvent({
        multiValueHeaders: null,
        multiValueQueryStringParameters: null,
        queryStringParameters: { q: 'x y' },
      }),
    );
    expect(request.headers.host).toBe('hooks.example.com');
    expect(request.url).toBe('https://hooks.example.com/prod/v1/webhooks/stripe-live?q=x%20y');
  });

  it('decodes a base64 body to the exact bytes sent', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0a]);
    const request = readHttpEvent(
      restEvent({ body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    expect(Buffer.from(request.body)).toEqual(bytes);
  });

  it('refuses a body flagged base64 that is not canonical base64', () => {
    expect(() => readHttpEvent(restEvent({ body: 'not base64!', isBase64Encoded: true }))).toThrow(
      InvalidHttpEventError,
    );
  });

  it('reads a missing body as no bytes and a missing provider as an empty id', () => {
    const request = readHttpEvent(restEvent({ body: null, pathParameters: null }));
    expect(request.body.byteLength).toBe(0);
    expect(request.providerId).toBe('');
  });

  it('refuses an event without a request id', () => {
    const event = restEvent();
    expect(() =>
      readHttpEvent({ ...event, requestContext: { ...event.requestContext, requestId: '' } }),
    ).toThrow(/requestId is missing/);
  });
});

describe('readHttpEvent, HTTP API (payload v2)', () => {
  it('reads method, provider, raw url, source, user agent and request id', () => {
    const request = readHttpEvent(httpApiEvent());
    expect(request).toMatchObject({
      method: 'POST',
      providerId: 'stripe-live',
      url: 'https://hooks.example.com/v1/webhooks/stripe-live?a=1&a=2&b%20c=d%26e',
      sourceIp: '203.0.113.8',
      userAgent: 'Stripe/1.0',
      requestId: 'req-v2',
    });
  });

  it('puts cookies back as one Cookie header and keeps comma-joined headers as sent', () => {
    const { headers } = readHttpEvent(httpApiEvent());
    expect(headers.cookie).toBe('x=1; y=2');
    expect(headers['x-multi']).toBe('a,b');
  });

  it('leaves the query off the url when there is none', () => {
    expect(readHttpEvent(httpApiEvent({ rawQueryString: '' })).url).toBe(
      'https://hooks.example.com/v1/webhooks/stripe-live',
    );
  });

  it('decodes a base64 body to the exact bytes sent', () => {
    const bytes = Buffer.from('héllo\u0000', 'utf8');
    const request = readHttpEvent(
      httpApiEvent({ body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    expect(Buffer.from(request.body)).toEqual(bytes);
  });

  it('uses the domain name when there is no Host header', () => {
    expect(readHttpEvent(httpApiEvent({ headers: {} })).url).toMatch(
      /^https:\/\/hooks\.example\.com\//,
    );
  });
});
