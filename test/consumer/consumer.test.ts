/**
 * Issue 12's proof, on the local stack: accepted deliveries go through the consumer while the
 * handler throws, crashes mid-run, SQS hands a message over again, the same delivery is queued
 * twice (one copy while the other runs), and a large body's object is missing. Every accepted
 * delivery's handler completes exactly once; the missing body never runs and is left for the
 * dead-letter queue.
 */
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer } from '../../consumer/consumer.ts';
import type { DeliveryEvent } from '../../consumer/delivery-event.ts';
import type { ConsumerReport } from '../../consumer/index.ts';
import type { ConsumerContext, SqsRecord } from '../../consumer/sqs-event.ts';
import { maxInlineBodyBytes } from '../../functions/config/limits.ts';
import { consumerTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { asRecord } from '../../local/consumer-loop.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-consumer';
const secret = 'whsec_consumer_test_secret';

let stack: IngestStack;
let ports: IngestPorts;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  ports = createIngestPorts();
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** A Lambda context with `ms` left, as the consumer's in-progress records are dated by it. */
const contextWith = (ms = 60_000): ConsumerContext => ({
  getRemainingTimeInMillis: () => ms,
  functionName: 'test-consumer',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Accepts one delivery through the ingest path; its body names `id`. */
async function accept(id: string, padding = 0): Promise<void> {
  const body = JSON.stringify({
    id,
    type: 'invoice.paid',
    object: 'event',
    pad: 'x'.repeat(padding),
  });
  const { response } = await ingest(
    readHttpEvent(stripeDelivery(providerId, secret, body)),
    ports,
    Date.now,
  );
  expect(response.statusCode).toBe(202);
}

/** Every message now on the queue, as Lambda's SQS event source hands them over. */
async function receiveAll(): Promise<SqsRecord[]> {
  const records: SqsRecord[] = [];
  for (;;) {
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.stack.resources.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 600,
      }),
    );
    if (Messages.length === 0) return records;
    records.push(...Messages.map((message) => asRecord(message, stack.stack.resources.queueUrl)));
  }
}

/** The record for the delivery whose body names `id`. */
function recordOf(records: readonly SqsRecord[], id: string): SqsRecord {
  const found = records.find((record) => record.body.includes(`"deliveryId":"${id}"`));
  if (found === undefined) throw new Error(`no message for ${id}`);
  return found;
}

/** The same record as SQS hands it over again: one more receive. */
const again = (record: SqsRecord, receiveCount: number): SqsRecord => ({
  ...record,
  attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
});

describe('the consumer runs each accepted delivery once', () => {
  it('through throws, a crash, redeliveries, a copy queued twice, and a missing large body', async () => {
    const completions = new Map<string, number>();
    const reports: ConsumerReport[] = [];
    const failOnce = new Set(['evt_throws']);
    let hang = new Set(['evt_crash']);
    const consumer = createConsumer({
      name: 'fault-test',
      tableName: consumerTable.localName,
      report: (line) => reports.push(line),
      handler: async (event: DeliveryEvent) => {
        const { id } = event.json<{ id: string }>();
        if (failOnce.delete(id)) throw new Error('the user code failed');
        if (hang.has(id)) return new Promise<void>(() => {}); // never returns: the process dies
        if (id.startsWith('evt_slow')) await sleep(300);
        completions.set(event.deliveryId, (completions.get(event.deliveryId) ?? 0) + 1);
      },
    });

    for (const id of ['evt_ok', 'evt_throws', 'evt_crash', 'evt_slow']) await accept(id);
    await accept('evt_large', maxInlineBodyBytes);
    const records = await receiveAll();
    expect(records).toHaveLength(5);

    // The large body's object is gone (a lifecycle rule, an operator): it can never run.
    const large = recordOf(records, 'evt_large');
    const { bodyObject } = JSON.parse(large.body) as {
      bodyObject: { bucket: string; key: string };
    };
    await new S3Client({}).send(
      new DeleteObjectCommand({ Bucket: bodyObject.bucket, Key: bodyObject.key }),
    );

    // First batch: everything but the crash. The throw and the missing body are left on the queue.
    const first = await consumer(
      {
        Records: ['evt_ok', 'evt_throws', 'evt_slow', 'evt_large'].map((id) =>
          recordOf(records, id),
        ),
      },
      contextWith(),
    );
    expect(first.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [recordOf(records, 'evt_throws').messageId, large.messageId].sort(),
    );

    // The crash: the invocation dies with 100 ms left, its handler never having returned.
    const crashed = consumer({ Records: [recordOf(records, 'evt_crash')] }, contextWith(100));
    const outcome = await Promise.race([
      crashed.then(() => 'returned'),
      sleep(250).then(() => 'killed'),
    ]);
    expect(outcome).toBe('killed');
    hang = new Set();

    // The same delivery queued a second time (its first copy done and deleted, as Lambda
    // deletes a batch's successes: FIFO holds a group back while a message of it is in flight),
    // and SQS handing every message over again.
    const slow = recordOf(records, 'evt_slow');
    await stack.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: stack.stack.resources.queueUrl,
        ReceiptHandle: slow.receiptHandle,
      }),
    );
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.stack.resources.queueUrl,
        MessageBody: slow.body,
        MessageGroupId: slow.attributes.MessageGroupId,
        MessageDeduplicationId: 'queued-twice',
      }),
    );
    const [copy] = await receiveAll();
    expect(copy).toBeDefined();
    const retry = await consumer(
      {
        Records: [
          again(recordOf(records, 'evt_ok'), 2),
          again(recordOf(records, 'evt_throws'), 2),
          again(recordOf(records, 'evt_crash'), 2),
          copy as SqsRecord,
          again(large, 2),
        ],
      },
      contextWith(),
    );
    expect(retry.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      large.messageId,
    ]);

    // Two copies of one delivery at once: one runs, the other is left on the queue meanwhile.
    await accept('evt_slow_twice');
    const [twice] = await receiveAll();
    const both = await Promise.all([
      consumer({ Records: [twice as SqsRecord] }, contextWith()),
      sleep(50).then(() => consumer({ Records: [again(twice as SqsRecord, 2)] }, contextWith())),
    ]);
    expect(both.map((answer) => answer.batchItemFailures.length).sort()).toEqual([0, 1]);
    const late = await consumer({ Records: [again(twice as SqsRecord, 3)] }, contextWith());
    expect(late.batchItemFailures).toEqual([]);

    expect(Object.fromEntries(completions)).toEqual({
      evt_ok: 1,
      evt_throws: 1,
      evt_crash: 1,
      evt_slow: 1,
      evt_slow_twice: 1,
    });
    const outcomes = (id: string) =>
      reports.filter((report) => report.deliveryId === id).map((report) => report.outcome);
    expect(outcomes('evt_ok')).toEqual(['ran', 'already_done']);
    expect(outcomes('evt_throws')).toEqual(['failed', 'ran']);
    expect(outcomes('evt_slow')).toEqual(['ran', 'already_done']);
    expect(outcomes('evt_slow_twice').sort()).toEqual(['already_done', 'in_progress', 'ran']);
    const missing = reports.filter((report) => report.messageId === large.messageId);
    expect(missing.map((report) => [report.outcome, report.receiveCount])).toEqual([
      ['failed', 1],
      ['failed', 2],
    ]);
    expect(missing[0]?.error).toMatch(/^BodyObjectMissingError/);
  }, 60_000);

  it('runs a replayed delivery again, once per replay, and routes by provider and event type', async () => {
    const ran: string[] = [];
    const reports: ConsumerReport[] = [];
    const consumer = createConsumer({
      name: 'replay-test',
      tableName: consumerTable.localName,
      report: (line) => reports.push(line),
      handler: {
        [providerId]: {
          'invoice.paid': async (event) => {
            ran.push(`${event.deliveryId} ${event.replay?.replayedAt ?? 'first'}`);
          },
        },
      },
    });
    await accept('evt_replayed');
    const [record] = await receiveAll();
    const replayed = (at: string): SqsRecord => ({
      ...(record as SqsRecord),
      messageId: `replay-${at}`,
      messageAttributes: {
        ...(record as SqsRecord).messageAttributes,
        replay: { stringValue: 'true', dataType: 'String' },
        replayedAt: { stringValue: at, dataType: 'String' },
      },
    });
    const at = '2026-12-06T10:00:00.000Z';
    for (const message of [record as SqsRecord, replayed(at), replayed(at), record as SqsRecord]) {
      expect((await consumer({ Records: [message] }, contextWith())).batchItemFailures).toEqual([]);
    }
    expect(ran).toEqual(['evt_replayed first', `evt_replayed ${at}`]);
    expect(reports.map((report) => report.outcome)).toEqual([
      'ran',
      'ran',
      'already_done',
      'already_done',
    ]);

    const elsewhere = createConsumer({
      name: 'routes-test',
      tableName: consumerTable.localName,
      report: (line) => reports.push(line),
      handler: { 'another-provider': async () => {} },
    });
    expect(
      (await elsewhere({ Records: [record as SqsRecord] }, contextWith())).batchItemFailures,
    ).toEqual([]);
    expect(reports.at(-1)).toMatchObject({ outcome: 'unrouted', deliveryId: 'evt_replayed' });
  });
});
