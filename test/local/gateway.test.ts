/**
 * The HTTP front of `npm start`: real HTTP through fetch, into the ingest Lambda's own handler,
 * against the whole local stack; the queue is read back through a fresh SDK client.
 */
import { execFileSync } from 'node:child_process';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxBodySizeBytes } from '../../functions/config/limits.ts';
import { readEnvelope } from '../../functions/queue/envelope.ts';
import { metaVerifyToken } from '../../functions/verify/challenges.ts';
import {
  type LocalGateway,
  maxBufferedBodyBytes,
  NonLoopbackGatewayError,
  startGateway,
} from '../../local/gateway.ts';
import type { LocalStack } from '../../local/stack.ts';
import { pastSendingWindow } from '../support/clock.ts';
import { registerProvider } from '../support/providers.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-live';
const secret = 'whsec_gateway_test_secret';
const metaSecret = 'meta-app-secret-gateway-test';

let running: GatewayStack;
let stack: LocalStack;
let gateway: LocalGateway;
let sqs: SQSClient;

beforeAll(async () => {
  running = await startGatewayStack();
  ({ stack, gateway, sqs } = running);
  await registerProvider(running, providerId, secret);
  await registerProvider(running, 'wa', metaSecret, 'hmac', {
    options: { header: 'X-Hub-Signature-256', prefix: 'sha256=', challenge: 'meta' },
  });
}, startBudgetMs);

afterAll(() => running?.close());

const webhookUrl = (id = providerId) => `${gateway.url}/v1/webhooks/${id}`;

/** POSTs `body` with a Stripe-Signature made with `signingSecret`. */
const postSigned = (body: string, signingSecret = secret) => {
  const signature = stripeDelivery(providerId, signingSecret, body).headers?.['stripe-signature'];
  return fetch(webhookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': String(signature) },
    body,
  });
};

const receiveAll = async () => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: stack.resources.queueUrl, MaxNumberOfMessages: 10 }),
  );
  return Messages.map((message) => readEnvelope(String(message.Body)));
};

/** DynamoDB Local servers listening on the endpoint's port, from `ps`. */
const dynamoDbServersOn = (endpoint: string) => {
  const port = new URL(endpoint).port;
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port} `));
};

describe('the local gateway in front of the ingest handler', () => {
  it('listens on loopback only', async () => {
    expect(new URL(gateway.url).hostname).toBe('127.0.0.1');
    await expect(startGateway({ host: '0.0.0.0' })).rejects.toBeInstanceOf(NonLoopbackGatewayError);
  });

  it('answers 202 to a signed delivery and queues its exact bytes', async () => {
    const body = JSON.stringify({ id: 'evt_gateway', type: 'invoice.paid', note: 'café\r\n€' });
    const response = await postSigned(body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ deliveryId: 'evt_gateway' });

    const [envelope, ...rest] = await receiveAll();
    expect(rest).toEqual([]);
    expect(envelope).toMatchObject({ deliveryId: 'evt_gateway', providerId, scheme: 'stripe' });
    expect(envelope?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('answers the same delivery again 503 while the first may be sending, then 200, and queues nothing', async () => {
    const body = JSON.stringify({ id: 'evt_gateway_twice', type: 'invoice.paid' });
    expect((await postSigned(body)).status).toBe(202);
    const soon = await postSigned(body);
    expect(soon.status).toBe(503);
    expect(await soon.json()).toEqual({ error: 'service_unavailable' });
    const second = await pastSendingWindow(() => postSigned(body));
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ deliveryId: 'evt_gateway_twice' });
    expect((await receiveAll()).map((envelope) => envelope.deliveryId)).toEqual([
      'evt_gateway_twice',
    ]);
  });

  it('answers 401 to a wrong signature', async () => {
    const response = await postSigned('{"id":"evt_forged"}', 'whsec_not_the_secret');
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('{"error":"unauthorized"}');
  });

  it('passes other methods on the route to the handler, which answers 405', async () => {
    const response = await fetch(webhookUrl(), { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it("passes a GET with its query string, so Meta's verification of a provider with one is answered", async () => {
    const query = new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.challenge': '1158201444',
      'hub.verify_token': metaVerifyToken(metaSecret),
    });
    const response = await fetch(`${webhookUrl('wa')}?${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('1158201444');
    query.set('hub.verify_token', metaVerifyToken('not-the-app-secret'));
    expect((await fetch(`${webhookUrl('wa')}?${query}`)).status).toBe(401);
    expect(await receiveAll()).toEqual([]);
  });

  it('answers 404 JSON off the route', async () => {
    for (const path of ['/', '/v1/webhooks', `/v1/webhooks/${providerId}/extra`]) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found' });
    }
  });

  it('lets the handler answer 413 to a body one byte over its limit', async () => {
    const response = await postSigned('x'.repeat(maxBodySizeBytes + 1));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: 'payload_too_large',
      maxBodyBytes: maxBodySizeBytes,
    });
  });

  it('answers 413 itself to a body over its buffer, and the connection stays usable', async () => {
    const response = await postSigned('x'.repeat(4 * maxBufferedBodyBytes));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'payload_too_large' });
    expect((await fetch(webhookUrl(), { method: 'GET' })).status).toBe(405);
  });

  it('stops the gateway, then the stack, leaving no DynamoDB Local process', async () => {
    expect(dynamoDbServersOn(stack.endpoints.dynamodb)).toHaveLength(1);
    await gateway.close();
    await gateway.close();
    await expect(fetch(webhookUrl())).rejects.toThrow();
    await stack.stop();
    expect(dynamoDbServersOn(stack.endpoints.dynamodb)).toEqual([]);
  });
});
