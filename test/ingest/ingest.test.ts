import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { decryptField } from '../../functions/audit/field-encryption.ts';
import {
  deliveryBudgetMs,
  maxBodySizeBytes,
  retryAfterSeconds,
  settleBudgetMs,
} from '../../functions/config/limits.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { readEnvelope } from '../../functions/queue/envelope.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-live';
const secret = 'whsec_ingest_test_secret';

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  // The handler's own wiring: real SDK clients, names from the environment.
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** `laterMs` moves the clock on, as a provider's retry comes later. */
const post = (event: ApiGatewayEvent, laterMs = 0) =>
  ingest(readHttpEvent(event), ports, () => Date.now() + laterMs);
/** Past the window in which a first attempt may still be sending. */
const afterSendingMs = deliveryBudgetMs + settleBudgetMs;
const eventBody = (id: string) => JSON.stringify({ id, type: 'invoice.paid', object: 'event' });
const outcomes = async (deliveryId: string) =>
  (await audit.findByDeliveryId(deliveryId)).records.map((record) => record.outcome).sort();

describe('ingest against DynamoDB Local, the KMS stand-in and fauxqs', () => {
  it('accepts a signed delivery: queued, audited with the message id, 202', async () => {
    const { response } = await post(stripeDelivery(providerId, secret, eventBody('evt_accept')));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ deliveryId: 'evt_accept' });

    const messages = await stack.drainQueue();
    expect(messages).toHaveLength(1);
    const envelope = readEnvelope(messages[0] as string);
    expect(envelope).toMatchObject({
      deliveryId: 'evt_accept',
      providerId,
      eventType: 'invoice.paid',
    });
    expect(envelope.body.toString('utf8')).toBe(eventBody('evt_accept'));
    expect(envelope.headers).not.toHaveProperty('stripe-signature');

    const { records } = await audit.findByDeliveryId('evt_accept');
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      outcome: 'accepted',
      keyId: 'v1',
      eventType: 'invoice.paid',
      sourceIp: '203.0.113.7',
      scheme: 'stripe',
    });
    expect(record?.bodySha256).toMatch(/^[0-9a-f]{64}$/);

    const reader = new DecryptedDataKeyCache({ kms: stack.kms });
    const headers = await decryptField(
      reader,
      { providerId, deliveryId: 'evt_accept', field: 'headers' },
      record?.encryptedHeaders as Buffer,
    );
    const decrypted = JSON.parse(headers.toString('utf8'));
    expect(decrypted['content-type']).toBe('application/json');
    expect(decrypted).not.toHaveProperty('stripe-signature');
  });

  it('answers a retry of an accepted delivery 200, audited as duplicate, nothing sent again', async () => {
    const first = await post(stripeDelivery(providerId, secret, eventBody('evt_dup')));
    const second = await post(
      stripeDelivery(providerId, secret, eventBody('evt_dup')),
      afterSendingMs,
    );
    expect(first.response.statusCode).toBe(202);
    expect(second.response.statusCode).toBe(200);
    expect(second.outcome).toBe('duplicate');
    expect(await stack.drainQueue()).toHaveLength(1);
    expect(await outcomes('evt_dup')).toEqual(['accepted', 'duplicate']);
  });

  it('answers a repeat that comes while the first attempt may still be sending 503 in_flight, audited', async () => {
    await post(stripeDelivery(providerId, secret, eventBody('evt_soon')));
    const repeat = await post(stripeDelivery(providerId, secret, eventBody('evt_soon')));
    expect(repeat.response.statusCode).toBe(503);
    expect(repeat.response.headers['retry-after']).toBe(String(retryAfterSeconds));
    expect(repeat.outcome).toBe('in_flight');
    expect(await stack.drainQueue()).toHaveLength(1);
    const { records } = await audit.findByDeliveryId('evt_soon');
    expect(records.map((record) => [record.outcome, record.reason]).sort()).toEqual([
      ['accepted', undefined],
      ['duplicate', 'in_flight'],
    ]);
  });

  it('answers a bad signature 401 with the generic body and audits signature_mismatch', async () => {
    const event = stripeDelivery(providerId, 'whsec_wrong', eventBody('evt_forged'));
    const { response, reason } = await post(event);
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('signature_mismatch');
    // A rejected delivery has no trusted id: its record is filed under the request id.
    const { records } = await audit.findByDeliveryId(event.requestContext.requestId);
    expect(records).toMatchObject([{ outcome: 'rejected', reason: 'signature_mismatch' }]);
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('answers an unknown provider 401 with the same generic body', async () => {
    const { response, reason } = await post(
      stripeDelivery('nobody-here', secret, eventBody('evt_unknown')),
    );
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('provider_not_found');
  });

  it('answers a body over maxBodySizeBytes 413 before looking at anything else', async () => {
    const event = stripeDelivery('nobody-here', secret, 'x'.repeat(maxBodySizeBytes + 1));
    const { response } = await post({
      ...event,
      requestContext: {
        ...event.requestContext,
        http: { ...event.requestContext.http, method: 'GET' },
      },
    });
    expect(response.statusCode).toBe(413);
  });

  it('answers any method but POST 405 with Allow', async () => {
    const event = stripeDelivery(providerId, secret, eventBody('evt_get'));
    const { response } = await post({
      ...event,
      requestContext: {
        ...event.requestContext,
        http: { ...event.requestContext.http, method: 'GET' },
      },
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('verifies and queues a base64-encoded body as its exact bytes', async () => {
    const body = eventBody('evt_base64');
    const event = stripeDelivery(providerId, secret, body);
    const { response } = await post({
      ...event,
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.statusCode).toBe(202);
    const messages = await stack.drainQueue();
    expect(messages).toHaveLength(1);
    expect(readEnvelope(messages[0] as string).body.toString('utf8')).toBe(body);
  });

  it('answers 503 with Retry-After while SQS is down, and queues the retry once after', async () => {
    await stack.stopSqs();
    const down = await post(stripeDelivery(providerId, secret, eventBody('evt_outage')));
    expect(down.response.statusCode).toBe(503);
    expect(down.response.headers['retry-after']).toBe('30');
    expect(down.reason).toBe('sqs_unavailable');
    expect(await outcomes('evt_outage')).toEqual(['failed']);

    await stack.restartSqs();
    const retry = await post(stripeDelivery(providerId, secret, eventBody('evt_outage')));
    expect(retry.response.statusCode).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);
    expect(await outcomes('evt_outage')).toEqual(['accepted', 'failed']);
  }, 30_000);
});
