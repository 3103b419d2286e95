/**
 * The window the FIFO queue closes (docs/architecture.md, "Ingest path"): the confirm failing
 * after the send. DynamoDB Local cannot be made to fail one TransactWriteItems while the other
 * calls go through, so that one call fails through aws-sdk-client-mock on a client of its own;
 * everything else is the handler's own wiring against the local stack. The claim's lease is
 * shortened so that the retry after it needs no fake clock.
 */
import {
  DynamoDBClient,
  DynamoDBServiceException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DedupMarkers, dedupLeaseSeconds } from '../../functions/audit/dedup.ts';
import { retryAfterSeconds } from '../../functions/config/limits.ts';
import { fifoDeduplicationIntervalSeconds } from '../../functions/config/queues.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { readEnvelope } from '../../functions/queue/envelope.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-fifo';
const secret = 'whsec_no_double_queueing';
const leaseSeconds = 1;

let stack: IngestStack;
let healthy: IngestPorts;
let failingConfirm: IngestPorts;
let brokenDynamoDb: DynamoDBClient;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  const ports = createIngestPorts();
  const markers = new DedupMarkers({
    dynamodb: stack.dynamodb,
    tableName: auditTable.localName,
    leaseSeconds,
  });
  healthy = { ...ports, markers };
  brokenDynamoDb = new DynamoDBClient({});
  mockClient(brokenDynamoDb)
    .on(TransactWriteItemsCommand)
    .rejects(
      new DynamoDBServiceException({
        name: 'InternalServerError',
        $fault: 'server',
        message: 'Internal server error',
        $metadata: { httpStatusCode: 500 },
      }),
    );
  failingConfirm = {
    ...healthy,
    audit: new AuditStore({ dynamodb: brokenDynamoDb, tableName: auditTable.localName }),
  };
}, startBudgetMs);

afterAll(async () => {
  brokenDynamoDb?.destroy();
  await stack?.close();
});

const post = (event: ApiGatewayEvent, ports: IngestPorts) =>
  ingest(readHttpEvent(event), ports, Date.now);
const eventBody = (id: string) => JSON.stringify({ id, type: 'invoice.paid', object: 'event' });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a confirm that fails after the send', () => {
  it('leaves the retry within the deduplication interval: the lease and Retry-After fit in it', () => {
    expect(dedupLeaseSeconds).toBeLessThan(fifoDeduplicationIntervalSeconds);
    expect(retryAfterSeconds).toBeLessThan(fifoDeduplicationIntervalSeconds);
  });

  it('is answered 503; a retry after the lease is accepted, and the queue holds one message', async () => {
    await stack.drainQueue();
    const deliveryId = `evt_fifo_${Date.now()}`;
    const body = eventBody(deliveryId);

    const first = await post(stripeDelivery(providerId, secret, body), failingConfirm);
    expect(first.response.statusCode).toBe(503);
    expect(first.reason).toBe('dynamodb_unavailable');

    // Within the lease, the unconfirmed claim holds off a second send.
    const early = await post(stripeDelivery(providerId, secret, body), healthy);
    expect(early.response.statusCode).toBe(503);
    expect(early.outcome).toBe('in_flight');

    // After the lease, the retry claims the delivery and sends it again: SQS takes that send
    // for the first one, and the confirm succeeds this time.
    await pause(leaseSeconds * 1000 + 200);
    const late = await post(stripeDelivery(providerId, secret, body), healthy);
    expect(late.response.statusCode).toBe(202);
    const again = await post(stripeDelivery(providerId, secret, body), healthy);
    expect(again.response.statusCode).toBe(200);

    const messages = await stack.drainMessages();
    expect(messages.map((message) => readEnvelope(String(message.Body)).deliveryId)).toEqual([
      deliveryId,
    ]);
    // The accepted record names the message consumers see (fauxqs answers a duplicate send
    // with the first message's id).
    const reader = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
    const { records } = await reader.findByDeliveryId(deliveryId);
    const accepted = records.filter((record) => record.outcome === 'accepted');
    expect(accepted.map((record) => record.queueMessageId)).toEqual([messages[0]?.MessageId]);
  });
});
