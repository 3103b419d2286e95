/**
 * The window the FIFO queue closes (docs/architecture.md, "What a retry can cause"): a send
 * whose answer is lost. SQS took the message, the function saw a timeout, released the claim
 * and answered 503; the provider's retry claims the delivery again and sends it again, and the
 * queue's deduplication id (provider and delivery id) makes SQS drop the second copy. The local
 * SQS cannot be made to lose one answer, so an SQS client of the test's own sends for real and
 * then throws the SDK's TimeoutError, once; everything else is the handler's own wiring
 * against the local stack.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadBucket } from '../../functions/config/buckets.ts';
import {
  deliveryBudgetMs,
  retryAfterSeconds,
  settleBudgetMs,
} from '../../functions/config/limits.ts';
import { fifoDeduplicationIntervalSeconds } from '../../functions/config/queues.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { BodyObjects } from '../../functions/queue/body-objects.ts';
import { DeliveryQueue } from '../../functions/queue/delivery-queue.ts';
import { readEnvelope } from '../../functions/queue/envelope.ts';
import { QueueSender } from '../../functions/queue/sender.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-fifo';
const secret = 'whsec_no_double_queueing';

let stack: IngestStack;
let healthy: IngestPorts;
let losingAnswers: IngestPorts;
let answersToLose = 0;
const clients: { destroy(): void }[] = [];

/** An SQS client whose next `answersToLose` sends reach the queue but answer a timeout. */
function sqsThatLosesAnswers(): SQSClient {
  const sqs = new SQSClient({});
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const output = await next(args);
      if (answersToLose === 0) return output;
      answersToLose -= 1;
      throw Object.assign(new Error('socket timed out after the request was sent'), {
        name: 'TimeoutError',
      });
    },
    { step: 'initialize', name: 'loseTheAnswer' },
  );
  return sqs;
}

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  healthy = createIngestPorts();
  const sqs = sqsThatLosesAnswers();
  const s3 = new S3Client({});
  clients.push(sqs, s3);
  losingAnswers = {
    ...healthy,
    queue: new DeliveryQueue({
      sender: new QueueSender({ sqs, queueUrl: stack.queueUrl }),
      bodies: new BodyObjects({ s3, bucketName: payloadBucket.localName }),
    }),
  };
}, startBudgetMs);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await stack?.close();
});

const post = (event: ApiGatewayEvent, ports: IngestPorts, laterMs = 0) =>
  ingest(readHttpEvent(event), ports, () => Date.now() + laterMs);
const eventBody = (id: string) => JSON.stringify({ id, type: 'invoice.paid', object: 'event' });

describe('a send whose answer is lost', () => {
  it('leaves the provider’s retry within the deduplication interval', () => {
    expect(retryAfterSeconds).toBeLessThan(fifoDeduplicationIntervalSeconds);
  });

  it('is answered 503; the retry is accepted, and the queue holds one message', async () => {
    await stack.drainQueue();
    const deliveryId = `evt_fifo_${Date.now()}`;
    const body = eventBody(deliveryId);

    answersToLose = 1;
    const first = await post(stripeDelivery(providerId, secret, body), losingAnswers);
    expect(first.response.statusCode).toBe(503);
    expect(first.reason).toBe('sqs_timeout');
    expect(answersToLose).toBe(0);

    // The claim was released: the retry claims the delivery and sends it again, and SQS takes
    // that send for the first one.
    const retry = await post(stripeDelivery(providerId, secret, body), healthy);
    expect(retry.response.statusCode).toBe(202);
    const later = await post(
      stripeDelivery(providerId, secret, body),
      healthy,
      deliveryBudgetMs + settleBudgetMs,
    );
    expect(later.response.statusCode).toBe(200);

    const messages = await stack.drainMessages();
    expect(messages.map((message) => readEnvelope(String(message.Body)).deliveryId)).toEqual([
      deliveryId,
    ]);
    const reader = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
    const { records } = await reader.findByDeliveryId(deliveryId);
    expect(records.map((record) => [record.outcome, record.reason]).sort()).toEqual([
      ['accepted', undefined],
      ['duplicate', 'already_accepted'],
      ['failed', 'sqs_timeout'],
    ]);
  });
});
