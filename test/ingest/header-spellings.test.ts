/**
 * One header sent under two spellings (`Stripe-Signature` and `stripe-signature`) is one field
 * to HTTP (RFC 9110 §5.3): readHttpEvent keeps every spelling's values, so neither hides the
 * other from the verifier, which refuses an ambiguous signature (test/verify/ambiguous-signature.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  type HttpApiEvent,
  type RestApiProxyEvent,
  readHttpEvent,
} from '../../functions/ingest/http-event.ts';

/** A REST API event as API Gateway builds it: `headers` holds the last value of each spelling. */
function restEvent(
  multiValueHeaders: Readonly<Record<string, readonly string[]>>,
  headers: Readonly<Record<string, string>> = lastValues(multiValueHeaders),
): RestApiProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/v1/webhooks/stripe-live',
    headers,
    multiValueHeaders,
    pathParameters: { providerId: 'stripe-live' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v1',
      domainName: 'hooks.example.com',
      path: '/prod/v1/webhooks/stripe-live',
      identity: { sourceIp: '203.0.113.7' },
    },
  };
}

function lastValues(multi: Readonly<Record<string, readonly string[]>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(multi).map(([name, values]) => [name, values.at(-1) as string]),
  );
}

function httpApiEvent(headers: Readonly<Record<string, string>>): HttpApiEvent {
  return {
    version: '2.0',
    rawPath: '/v1/webhooks/stripe-live',
    rawQueryString: '',
    headers,
    pathParameters: { providerId: 'stripe-live' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v2',
      domainName: 'hooks.example.com',
      http: { method: 'POST', sourceIp: '203.0.113.8' },
    },
  };
}

describe('readHttpEvent with one header under several spellings', () => {
  it('keeps both values of Stripe-Signature and stripe-signature from a REST API event, in order', () => {
    const { headers } = readHttpEvent(
      restEvent({
        Host: ['hooks.example.com'],
        'Stripe-Signature': ['t=1,v1=aa'],
        'stripe-signature': ['t=1,v1=bb'],
      }),
    );
    expect(headers['stripe-signature']).toEqual(['t=1,v1=aa', 't=1,v1=bb']);
    expect(Object.keys(headers).sort()).toEqual(['host', 'stripe-signature']);
  });

  it('keeps every value of every spelling, repeats included', () => {
    const { headers } = readHttpEvent(
      restEvent({
        Accept: ['text/plain', 'application/json'],
        ACCEPT: ['*/*'],
        accept: ['text/html'],
      }),
    );
    expect(headers.accept).toEqual(['text/plain', 'application/json', '*/*', 'text/html']);
  });

  it('reads multiValueHeaders alone when present, not the single-value copy beside it', () => {
    const { headers } = readHttpEvent(
      restEvent(
        { Host: ['hooks.example.com'], 'Stripe-Signature': ['t=1,v1=aa'] },
        { Host: 'hooks.example.com', 'Stripe-Signature': 't=1,v1=aa', 'X-Only-Here': 'x' },
      ),
    );
    expect(headers['stripe-signature']).toBe('t=1,v1=aa');
    expect(headers['x-only-here']).toBeUndefined();
  });

  it('combines the spellings of single-value headers when there are no multi-value ones', () => {
    const event = restEvent(
      {},
      { Host: 'hooks.example.com', 'Stripe-Signature': 't=1,v1=aa', 'stripe-signature': 'bogus' },
    );
    const { headers } = readHttpEvent({ ...event, multiValueHeaders: null });
    expect(headers['stripe-signature']).toEqual(['t=1,v1=aa', 'bogus']);
    expect(headers.host).toBe('hooks.example.com');
  });

  it("leaves the event's own lists unchanged", () => {
    const multi = { 'X-Forwarded-For': ['198.51.100.1'], 'x-forwarded-for': ['203.0.113.7'] };
    readHttpEvent(restEvent(multi));
    expect(multi).toEqual({
      'X-Forwarded-For': ['198.51.100.1'],
      'x-forwarded-for': ['203.0.113.7'],
    });
  });

  it('keeps an HTTP API header that API Gateway joined with commas as the one value sent', () => {
    const { headers } = readHttpEvent(
      httpApiEvent({
        host: 'hooks.example.com',
        'stripe-signature': 't=1,v1=aa',
        accept: 'text/plain,application/json',
      }),
    );
    expect(headers['stripe-signature']).toBe('t=1,v1=aa');
    expect(headers.accept).toBe('text/plain,application/json');
  });
});
