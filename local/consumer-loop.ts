/**
 * `npm start -- --consumer <module>`: the module's default export (one handler, or a map by
 * provider and event type) run on the local delivery queue through `createConsumer`, the code
 * a deployed consumer Lambda runs, so that provider, receiver, queue and the user's code run on
 * one machine. It does what Lambda's SQS event source does: receives batches of up to 10,
 * hands them over with a deadline, deletes the messages the batch answer does not name, and
 * leaves the others to come back after the visibility timeout.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createConsumer } from '../consumer/consumer.ts';
import type { ConsumerReport } from '../consumer/report.ts';
import type { DeliveryHandler, HandlerRoutes } from '../consumer/routes.ts';
import type { SqsRecord } from '../consumer/sqs-event.ts';

export interface LocalConsumerOptions {
  /** The user's module: its default export is the handler or the map of handlers. */
  readonly modulePath: string;
  readonly queueUrl: string;
  readonly tableName: string;
  /** Told each delivery's outcome, as a line. @default console.log */
  readonly log?: (line: string) => void;
  /** How long one batch may run, as a Lambda function's timeout. @default 30 s */
  readonly timeoutSeconds?: number;
}

/** The user's module did not export a handler. */
export class ConsumerModuleError extends Error {
  override readonly name = 'ConsumerModuleError';
}

/** A running loop: `stop` lets the batch in hand finish, then ends it. */
export interface LocalConsumer {
  stop(): Promise<void>;
}

/** Loads the module and starts receiving; throws ConsumerModuleError for a module without a handler. */
export async function startLocalConsumer(options: LocalConsumerOptions): Promise<LocalConsumer> {
  const handler = await loadHandler(options.modulePath);
  const log = options.log ?? console.log;
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const consumer = createConsumer({
    handler,
    name: 'local-consumer',
    tableName: options.tableName,
    report: (report) => log(describeReport(report)),
  });
  const sqs = new SQSClient({});
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await receiveBatch(sqs, options.queueUrl, timeoutSeconds, consumer);
      } catch (error) {
        // The queue went away or the stack is stopping: say so, and try again shortly.
        if (running) log(`consumer: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((done) => setTimeout(done, 1000));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      sqs.destroy();
    },
  };
}

async function loadHandler(modulePath: string): Promise<DeliveryHandler | HandlerRoutes> {
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as { default?: unknown };
  const handler = loaded.default;
  if (typeof handler === 'function') return handler as DeliveryHandler;
  if (typeof handler === 'object' && handler !== null) return handler as HandlerRoutes;
  throw new ConsumerModuleError(
    `${modulePath} must export default a function (event) => … or a map of them by provider and event type`,
  );
}

async function receiveBatch(
  sqs: SQSClient,
  queueUrl: string,
  timeoutSeconds: number,
  consumer: ReturnType<typeof createConsumer>,
): Promise<void> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: timeoutSeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  if (Messages.length === 0) return;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const records = Messages.map((message) => asRecord(message, queueUrl));
  const { batchItemFailures } = await consumer(
    { Records: records },
    {
      // Never 0: Powertools gives a run no in-progress deadline then, and a run that died
      // would hold its delivery for the record's whole life instead of until the deadline.
      getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()),
      functionName: 'local-consumer',
    },
  );
  const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
  const done = records.filter((record) => !failed.has(record.messageId));
  if (done.length === 0) return;
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: done.map((record, index) => ({
        Id: String(index),
        ReceiptHandle: record.receiptHandle,
      })),
    }),
  );
}

/** A received message as Lambda's SQS event source hands it to a function. */
export function asRecord(message: Message, queueUrl: string): SqsRecord {
  const { MessageGroupId, ApproximateReceiveCount = '1' } = message.Attributes ?? {};
  return {
    messageId: String(message.MessageId),
    receiptHandle: String(message.ReceiptHandle),
    body: String(message.Body),
    attributes: {
      ApproximateReceiveCount,
      ...(MessageGroupId === undefined ? {} : { MessageGroupId }),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
          dataType: value.DataType ?? 'String',
        },
      ]),
    ),
    eventSource: 'aws:sqs',
    eventSourceARN: `local:${queueUrl}`,
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    md5OfBody: String(message.MD5OfBody),
  };
}

/** `consumer: ran stripe-demo evt_demo_1 (invoice.paid)`, and why for a failure. */
export function describeReport(report: ConsumerReport): string {
  const delivery =
    report.deliveryId === undefined
      ? `message ${report.messageId}`
      : `${report.providerId} ${report.deliveryId}${report.eventType === undefined ? '' : ` (${report.eventType})`}`;
  const retry = report.outcome === 'failed' || report.outcome === 'in_progress';
  const tail = report.error === undefined ? '' : `: ${report.error}`;
  return `consumer: ${report.outcome} ${delivery}${tail}${retry ? `; receive ${report.receiveCount}, left on the queue` : ''}`;
}
