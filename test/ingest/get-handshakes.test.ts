/**
 * The GET handshakes of the generic `hmac` scheme's option `challenge` (Meta, Nylas, Dropbox),
 * through the ingest path against DynamoDB Local, the KMS stand-in and fauxqs: answered for a
 * provider registered with the option, refused 405 for one without it, never queued, and never
 * echoing more than a bounded plain-text challenge.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import {
  type ApiGatewayEvent,
  type HttpApiEvent,
  type RestApiProxyEvent,
  readHttpEvent,
} from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { metaVerifyToken } from '../../functions/verify/challenges.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { httpApiEvent } from '../support/http-api-event.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';

const metaSecret = 'meta-app-secret-for-get-tests';
const nylasSecret = 'nylas-webhook-secret-for-get-tests';
const dropboxSecret = 'dropbox-app-secret-for-get-tests';
const plainSecret = 'hmac-secret-without-challenge';
const metaSignature = { header: 'X-Hub-Signature-256', prefix: 'sha256=' };

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, 'wa', metaSecret, 'hmac', {
    options: { ...metaSignature, challenge: 'meta' },
  });
  await registerProvider(stack, 'nylas', nylasSecret, 'hmac', {
    options: { header: 'X-Nylas-Signature', challenge: 'nylas' },
  });
  await registerProvider(stack, 'dropbox', dropboxSecret, 'hmac', {
    options: { header: 'X-Dropbox-Signature', challenge: 'dropbox' },
  });
  await registerProvider(stack, 'plain', plainSecret, 'hmac', { options: metaSignature });
  await registerProvider(stack, 'stripe-live', 'whsec_get_tests', 'stripe');
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** `GET /v1/webhooks/<providerId>?<query>` as an HTTP API (payload v2) hands it over. */
function getEvent(providerId: string, query: Record<string, string> | string, method = 'GET') {
  const event = httpApiEvent(providerId, {}, '', { userAgent: 'get-handshake-test' });
  const { 'content-type': _, ...headers } = event.headers;
  return {
    ...event,
    headers,
    rawQueryString: typeof query === 'string' ? query : new URLSearchParams(query).toString(),
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method } },
  } satisfies HttpApiEvent;
}

/** Meta's verification GET, with the token it was given. */
const metaVerification = (challenge: string, token = metaVerifyToken(metaSecret)) =>
  getEvent('wa', {
    'hub.mode': 'subscribe',
    'hub.challenge': challenge,
    'hub.verify_token': token,
  });

const send = (event: ApiGatewayEvent) => ingest(readHttpEvent(event), ports, Date.now);
const recordsOf = async (requestId: string) => (await audit.findByDeliveryId(requestId)).records;

const echoed = (challenge: string) => ({
  statusCode: 200,
  headers: { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' },
  body: challenge,
});

const malformed = {
  statusCode: 400,
  headers: { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' },
  body: '{"error":"malformed_handshake"}',
};

describe('GET handshakes of the hmac scheme', () => {
  describe('Meta (challenge=meta)', () => {
    it("answers the challenge as plain text when the verify token is the secret's, queueing and auditing nothing", async () => {
      const event = metaVerification('1158201444');
      const result = await send(event);
      expect(result.response).toEqual(echoed('1158201444'));
      expect(result).toMatchObject({
        outcome: 'handshake',
        reason: 'meta_verification',
        providerId: 'wa',
      });
      expect(await stack.drainQueue()).toEqual([]);
      expect(await recordsOf(event.requestContext.requestId)).toEqual([]);
    });

    it('reads the same query from the REST front, which rebuilds it from its parameters', async () => {
      const v2 = metaVerification('8675309');
      const rest: RestApiProxyEvent = {
        httpMethod: 'GET',
        path: '/v1/webhooks/wa',
        headers: { host: 'hooks.example.com' },
        queryStringParameters: {
          'hub.mode': 'subscribe',
          'hub.challenge': '8675309',
          'hub.verify_token': metaVerifyToken(metaSecret),
        },
        pathParameters: { providerId: 'wa' },
        body: null,
        isBase64Encoded: false,
        requestContext: {
          requestId: `${v2.requestContext.requestId}-rest`,
          identity: { sourceIp: '203.0.113.9' },
        },
      };
      expect((await send(rest)).response).toEqual(echoed('8675309'));
    });

    it('refuses a wrong verify token 401, without the challenge, and audits the refusal', async () => {
      const event = metaVerification('1158201444', metaVerifyToken('another-apps-secret'));
      const result = await send(event);
      expect(result.response.statusCode).toBe(401);
      expect(result.response.body).toBe('{"error":"unauthorized"}');
      expect(result.reason).toBe('signature_mismatch');
      expect(await recordsOf(event.requestContext.requestId)).toMatchObject([
        { providerId: 'wa', scheme: 'hmac', outcome: 'rejected', reason: 'signature_mismatch' },
      ]);
      expect(await stack.drainQueue()).toEqual([]);
    });

    it('refuses a verification without a verify token, or with the secret itself as the token', async () => {
      const { 'hub.verify_token': _, ...noToken } = Object.fromEntries(
        new URLSearchParams(metaVerification('1').rawQueryString),
      );
      const missing = await send(getEvent('wa', noToken));
      expect(missing.response.statusCode).toBe(401);
      expect(missing.reason).toBe('missing_header');
      const secretAsToken = await send(metaVerification('1', metaSecret));
      expect(secretAsToken.response.statusCode).toBe(401);
      expect(secretAsToken.reason).toBe('signature_mismatch');
    });

    it('still verifies and queues a signed POST to the same provider', async () => {
      const body = '{"object":"whatsapp_business_account","entry":[]}';
      const signature = createHmac('sha256', metaSecret).update(body).digest('hex');
      const event = httpApiEvent('wa', { 'x-hub-signature-256': `sha256=${signature}` }, body);
      const { response } = await send(event);
      expect(response.statusCode).toBe(202);
      expect(await stack.drainQueue()).toHaveLength(1);
    });
  });

  it("echoes Nylas's challenge exactly (challenge=nylas)", async () => {
    const challenge = 'bc609b38-c81f-47fb-a275-1d9bd61a968b';
    const result = await send(getEvent('nylas', { challenge }));
    expect(result.response).toEqual(echoed(challenge));
    expect(result.reason).toBe('nylas_challenge');
    expect(await stack.drainQueue()).toEqual([]);
  });

  it("echoes Dropbox's challenge as text/plain with nosniff (challenge=dropbox)", async () => {
    const event = getEvent('dropbox', { challenge: 'PbJ0pJzLhZkqvDxsS0mQ7w' });
    const result = await send(event);
    expect(result.response).toEqual(echoed('PbJ0pJzLhZkqvDxsS0mQ7w'));
    expect(result.reason).toBe('dropbox_challenge');
    expect(await stack.drainQueue()).toEqual([]);
    expect(await recordsOf(event.requestContext.requestId)).toEqual([]);
  });

  describe('a challenge that may not be echoed is answered 400, echoing nothing', () => {
    it.each([
      ['over 256 characters', 'a'.repeat(257)],
      ['with markup', '<script>alert(1)</script>'],
      ['with a line break', 'abc\r\nSet-Cookie: x=1'],
      ['with a space', 'two words'],
      ['given twice', ['first', 'second']],
      ['missing', []],
    ])('%s', async (_, challenge) => {
      const values = Array.isArray(challenge) ? challenge : [challenge];
      const query = values.map((value) => `challenge=${encodeURIComponent(value)}`).join('&');
      const result = await send(getEvent('dropbox', query));
      expect(result.response).toEqual(malformed);
      expect(result).toMatchObject({ outcome: 'handshake', reason: 'dropbox_challenge:malformed' });
    });

    it('for Meta too, once the verify token is right', async () => {
      const { response } = await send(metaVerification('x'.repeat(257)));
      expect(response).toEqual(malformed);
    });

    it('and echoes one of exactly 256 characters', async () => {
      const challenge = 'A1b2-._~+/='.repeat(24).slice(0, 256);
      const { response } = await send(getEvent('nylas', { challenge }));
      expect(response).toEqual(echoed(challenge));
    });
  });

  describe('a method the provider is not answered for is still 405', () => {
    it.each([
      ['an hmac provider without a challenge', 'plain'],
      ['a stripe provider', 'stripe-live'],
      ['an unknown provider', 'nobody-here'],
    ])('a GET to %s, with Allow: POST, audited', async (_, providerId) => {
      const event = getEvent(providerId, { challenge: 'abc123' });
      const { response, reason } = await send(event);
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.body).toBe('{"error":"method_not_allowed"}');
      expect(reason).toBe('method_not_allowed');
      expect(await recordsOf(event.requestContext.requestId)).toMatchObject([
        { outcome: 'rejected', reason: 'method_not_allowed' },
      ]);
    });

    it('a PUT to a provider with a challenge, with Allow: POST, GET', async () => {
      const { response } = await send(getEvent('dropbox', { challenge: 'abc123' }, 'PUT'));
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST, GET');
    });
  });

  it('queued nothing for any GET', async () => {
    expect(await stack.drainQueue()).toEqual([]);
  });
});
