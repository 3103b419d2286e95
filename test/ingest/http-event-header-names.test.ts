/**
 * readHttpEvent with header and query parameter names that are also Object.prototype's
 * (`__proto__`, `constructor`, …): API Gateway passes whatever names the client sent, and the
 * Lambda runtime parses the event from JSON, where `__proto__` is an ordinary key. Each must be
 * read as data, and a name that was not sent must read as absent.
 */
import { describe, expect, it } from 'vitest';
import {
  type HttpApiEvent,
  type RestApiProxyEvent,
  readHttpEvent,
} from '../../functions/ingest/http-event.ts';
import { protoKey, prototypeNames } from '../support/prototype-names.ts';

/** Parsed as the Lambda runtime parses it; an object literal would set a prototype instead. */
const fromJson = <T>(event: unknown): T => JSON.parse(JSON.stringify(event)) as T;

/** `[name, value]` pairs into a JSON object text's object, every name an own key. */
const record = <V>(pairs: readonly (readonly [string, V])[]) => Object.fromEntries(pairs);

function restEvent(
  headers: readonly (readonly [string, string])[],
  multiValueHeaders: readonly (readonly [string, string[]])[],
  query: readonly (readonly [string, string[]])[] = [],
): RestApiProxyEvent {
  return fromJson({
    httpMethod: 'POST',
    path: '/v1/webhooks/stripe-live',
    headers: record([['Host', 'hooks.example.com'], ...headers]),
    multiValueHeaders: record([['Host', ['hooks.example.com']], ...multiValueHeaders]),
    multiValueQueryStringParameters: query.length === 0 ? null : record(query),
    pathParameters: { providerId: 'stripe-live' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v1',
      path: '/v1/webhooks/stripe-live',
      identity: { sourceIp: '203.0.113.7' },
    },
  });
}

function httpApiEvent(headers: readonly (readonly [string, string])[]): HttpApiEvent {
  return fromJson({
    version: '2.0',
    rawPath: '/v1/webhooks/stripe-live',
    rawQueryString: '__proto__=1&constructor=2',
    cookies: ['x=1'],
    headers: record([['host', 'hooks.example.com'], ...headers]),
    pathParameters: { providerId: 'stripe-live' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v2',
      http: { method: 'POST', sourceIp: '203.0.113.8' },
    },
  });
}

describe('readHttpEvent with header names Object.prototype also has', () => {
  it('keeps each REST API header, repeated or not, as an own header in lower case', () => {
    const request = readHttpEvent(
      restEvent(
        prototypeNames.map((name) => [name.toUpperCase(), `${name}-last`]),
        prototypeNames.map((name) => [name.toUpperCase(), [`${name}-first`, `${name}-last`]]),
      ),
    );
    // Lower case: `__proto__` and `constructor` stay prototype names, the others do not.
    for (const name of prototypeNames.map((name) => name.toLowerCase())) {
      expect(Object.hasOwn(request.headers, name)).toBe(true);
    }
    expect(request.headers[protoKey]).toEqual(['__proto__-first', '__proto__-last']);
    expect(request.headers.constructor).toEqual(['constructor-first', 'constructor-last']);
    expect(request.headers.tostring).toEqual(['toString-first', 'toString-last']);
    expect(request.headers.host).toBe('hooks.example.com');
    expect(Object.keys(request.headers)).toHaveLength(1 + prototypeNames.length);
  });

  it('keeps each single-value REST API header when there are no multi-value ones', () => {
    const event = restEvent(
      prototypeNames.map((name) => [name, `${name}-value`]),
      [],
    );
    const request = readHttpEvent({ ...event, multiValueHeaders: null });
    for (const name of prototypeNames) {
      expect(Object.hasOwn(request.headers, name.toLowerCase())).toBe(true);
      expect(request.headers[name.toLowerCase()]).toBe(`${name}-value`);
    }
  });

  it('keeps each HTTP API header as an own header', () => {
    const request = readHttpEvent(httpApiEvent(prototypeNames.map((name) => [name, name])));
    for (const name of prototypeNames) {
      expect(Object.hasOwn(request.headers, name.toLowerCase())).toBe(true);
      expect(request.headers[name.toLowerCase()]).toBe(name);
    }
    expect(request.headers.cookie).toBe('x=1');
    expect(request.url).toBe(
      'https://hooks.example.com/v1/webhooks/stripe-live?__proto__=1&constructor=2',
    );
  });

  it('reads a name that was not sent as absent, whatever Object.prototype has', () => {
    for (const request of [readHttpEvent(restEvent([], [])), readHttpEvent(httpApiEvent([]))]) {
      for (const name of prototypeNames) expect(request.headers[name]).toBeUndefined();
    }
  });

  it('encodes REST API query parameters with those names again, in order', () => {
    const request = readHttpEvent(
      restEvent(
        [],
        [],
        [
          ['__proto__', ['a', 'b']],
          ['constructor', ['c']],
        ],
      ),
    );
    expect(request.url).toBe(
      'https://hooks.example.com/v1/webhooks/stripe-live?__proto__=a&__proto__=b&constructor=c',
    );
  });
});
