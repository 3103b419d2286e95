/**
 * Twilio signs the URL it called, query string as written, so the front decides whether a
 * genuine request verifies (docs/providers.md, "Twilio and the front"). The `http` and `url`
 * fronts hand the Lambda the raw query string; the `rest` front only decoded parameters,
 * which readHttpEvent must encode again: `a=1&b=2&a=3&x=a+b` comes back as
 * `a=1&a=3&b=2&x=a%20b`, which Twilio never signed. A URL without a query is the same on
 * every front, and the POST parameters travel in the body, which every front keeps.
 */
import { parse as parseQueryString } from 'node:querystring';
import twilioSdk from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  type HttpApiEvent,
  type RestApiProxyEvent,
  readHttpEvent,
} from '../../functions/ingest/http-event.ts';
import { verifyDeliverySync } from '../../functions/verify/verify.ts';

const { getExpectedTwilioSignature, validateRequest } = twilioSdk;

const authToken = 'twilio-auth-token';
const keys = [{ id: 'auth-token', value: authToken }];
const form = 'MessageSid=SM123&From=%2B14155550100&Body=Hello+there';
const query = 'a=1&b=2&a=3&x=a+b';

/** The POST parameters as Express's urlencoded parser hands them to twilio-node. */
const parameters = parseQueryString(form) as Record<string, string | string[]>;

/** What Twilio sends for `url`: the signature twilio-node computes over it and the form. */
function signatureFor(url: string): string {
  const signature = getExpectedTwilioSignature(authToken, url, parameters);
  expect(validateRequest(authToken, signature, url, parameters)).toBe(true);
  return signature;
}

/** A Twilio POST as the HTTP API (or a function URL) hands it over: payload v2. */
function httpApiEvent(rawQueryString: string): { event: HttpApiEvent; signedUrl: string } {
  const host = 'hooks.example.com';
  const path = '/v1/webhooks/twilio-live';
  const signedUrl = `https://${host}${path}${rawQueryString === '' ? '' : `?${rawQueryString}`}`;
  const event: HttpApiEvent = {
    version: '2.0',
    rawPath: path,
    rawQueryString,
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signatureFor(signedUrl),
    },
    pathParameters: { providerId: 'twilio-live' },
    body: form,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-v2',
      domainName: host,
      http: { method: 'POST', sourceIp: '203.0.113.8', userAgent: 'TwilioProxy/1.1' },
    },
  };
  return { event, signedUrl };
}

/**
 * The same POST as the REST API hands it over: payload v1, the query only as decoded
 * parameters (each name's values together, `+` already read as a space), the body base64.
 */
function restEvent(
  signedQuery: string,
  multiValueQueryStringParameters: Readonly<Record<string, readonly string[]>> | null,
): { event: RestApiProxyEvent; signedUrl: string } {
  const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
  const path = '/prod/v1/webhooks/twilio-live';
  const signedUrl = `https://${host}${path}${signedQuery === '' ? '' : `?${signedQuery}`}`;
  const signature = signatureFor(signedUrl);
  const event: RestApiProxyEvent = {
    httpMethod: 'POST',
    path: '/v1/webhooks/twilio-live',
    headers: {
      Host: host,
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signature,
    },
    multiValueHeaders: {
      Host: [host],
      'Content-Type': ['application/x-www-form-urlencoded'],
      'X-Twilio-Signature': [signature],
    },
    multiValueQueryStringParameters,
    pathParameters: { providerId: 'twilio-live' },
    body: Buffer.from(form).toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: 'req-v1',
      domainName: host,
      path,
      identity: { sourceIp: '203.0.113.7', userAgent: 'TwilioProxy/1.1' },
    },
  };
  return { event, signedUrl };
}

const verify = (event: HttpApiEvent | RestApiProxyEvent) =>
  verifyDeliverySync({ scheme: 'twilio', request: readHttpEvent(event), keys });

describe('a genuine Twilio request whose URL has a query string', () => {
  it('is accepted through the http and url fronts, which keep the query as sent', () => {
    const { event, signedUrl } = httpApiEvent(query);
    expect(readHttpEvent(event).url).toBe(signedUrl);
    expect(verify(event)).toMatchObject({ accepted: true, keyId: 'auth-token' });
  });

  it('is refused through the rest front, which reorders and re-encodes the query', () => {
    const { event, signedUrl } = restEvent(query, { a: ['1', '3'], b: ['2'], x: ['a b'] });
    const { url } = readHttpEvent(event);
    expect(url).toBe(`${signedUrl.split('?')[0]}?a=1&a=3&b=2&x=a%20b`);
    expect(url).not.toBe(signedUrl);
    expect(verify(event)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });
});

describe('a genuine Twilio request whose URL has no query string', () => {
  it('is accepted through the http and url fronts', () => {
    const { event, signedUrl } = httpApiEvent('');
    expect(readHttpEvent(event).url).toBe(signedUrl);
    expect(verify(event)).toMatchObject({ accepted: true });
  });

  it('is accepted through the rest front, the form parameters travelling in the body', () => {
    const { event, signedUrl } = restEvent('', null);
    expect(readHttpEvent(event).url).toBe(signedUrl);
    expect(verify(event)).toMatchObject({ accepted: true });
  });
});
