/**
 * The local stack `npm start` runs (local/stack.ts), started for one test file in a temporary
 * state directory: the same stand-ins, and the tables, queues and key aliases of
 * functions/config, reached by real SDK clients through the standard endpoint variables only.
 * Any stand-in can be stopped alone, as in an outage, and fauxqs started again on its port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { vi } from 'vitest';
import { stackFileVariable } from '../../cli/target.ts';
import { createSealer, type Sealer } from '../../functions/audit/record-seal.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deadLetterQueue, deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { type Envelope, readEnvelope } from '../../functions/queue/envelope.ts';
import { type LocalGateway, startGateway, webhookResource } from '../../local/gateway.ts';
import type { LocalService } from '../../local/ports.ts';
import { createDigestBucket, createPayloadBucket } from '../../local/s3.ts';
import { startSqsLocal } from '../../local/sqs.ts';
import {
  createQueues,
  fakeCredentials,
  type LocalStack,
  startLocalStack,
} from '../../local/stack.ts';

/** A JVM start plus provisioning: the budget for a whole stack. */
export const startBudgetMs = 30_000;

/** The provider secrets' key alias, as the handler, the CLI and the local stack name it. */
export const secretsKeyAlias = kmsKeys.secrets.alias;

/** Every variable the stack sets, cleared first so that vi.unstubAllEnvs restores them. */
const stackVariables = [
  'AWS_REGION',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_S3',
  ...Object.keys(fakeCredentials),
  'AWS_PROFILE',
  registryTable.nameVariable,
  auditTable.nameVariable,
  deliveryQueue.urlVariable,
  deadLetterQueue.urlVariable,
  payloadBucket.nameVariable,
  ...Object.values(kmsKeys).map((key) => key.idVariable),
];

export interface TestStackOptions {
  /**
   * Create the subject-index secret, as `npm start` does; without it the registry is a
   * deployment's before its first `providers add --subject-key`.
   * @default true
   */
  readonly subjectIndexSecret?: boolean;
}

export interface TestStack {
  /** The stack as `npm start` runs it; `--local` finds its file through WEBHOOKS_STACK_FILE. */
  readonly stack: LocalStack;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
  /** The delivery queue's URL. */
  readonly queueUrl: string;
  /** Seals records as the ingest function does (record-seal.ts). */
  readonly sealer: Sealer;
  /** Seals admin records and erasure receipts as the CLI does. */
  readonly operatorSealer: Sealer;
  /** Stops DynamoDB Local; later calls fail as in an outage. */
  stopDynamoDb(): Promise<void>;
  /** Stops the KMS stand-in; later calls fail as in an outage. */
  stopKms(): Promise<void>;
  /** Stops fauxqs; later calls fail as in an outage. */
  stopSqs(): Promise<void>;
  /**
   * Starts fauxqs again on the same port, with the queues and the buckets created again
   * (fauxqs keeps nothing).
   */
  restartSqs(): Promise<void>;
  /** Every message now on the delivery queue, with its attributes, deleted as read. */
  drainMessages(): Promise<Message[]>;
  close(): Promise<void>;
}

/**
 * Starts the local stack for this test file and points process.env at it, stubbed so that
 * `close` restores every variable. Outages fail fast: one retry, not the SDK's default two.
 * @example
 * const stack = await startTestStack({ subjectIndexSecret: false });
 * await stack.stopDynamoDb();
 * await stack.close();
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  for (const name of stackVariables) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
  const stateDirectory = await mkdtemp(join(tmpdir(), 'webhooks-test-stack-'));
  const stack = await startLocalStack({
    stateDirectory,
    createSubjectIndexSecret: options.subjectIndexSecret ?? true,
  });
  vi.stubEnv(stackFileVariable, stack.stackFile);
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  const sqs = new SQSClient({});
  const queueUrl = stack.resources.queueUrl;
  const keyId = stack.resources.keys.audit.keyId;
  let sqsService: LocalService = stack.services.sqs;
  return {
    stack,
    dynamodb,
    kms,
    sqs,
    queueUrl,
    sealer: createSealer({ kms, keyId, writer: 'ingest' }),
    operatorSealer: createSealer({ kms, keyId, writer: 'operator' }),
    stopDynamoDb: () => stack.services.dynamodb.stop(),
    stopKms: () => stack.services.kms.stop(),
    stopSqs: () => sqsService.stop(),
    async restartSqs() {
      sqsService = await startSqsLocal({ port: Number(new URL(sqsService.endpoint).port) });
      await createQueues(sqs);
      const s3 = new S3Client({});
      await Promise.all([createPayloadBucket(s3), createDigestBucket(s3)]).finally(() =>
        s3.destroy(),
      );
    },
    async drainMessages() {
      const messages: Message[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return messages;
        for (const message of Messages) {
          messages.push(message);
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    },
    async close() {
      for (const client of [dynamodb, kms, sqs]) client.destroy();
      await stack.stop();
      await sqsService.stop();
      await rm(stateDirectory, { recursive: true, force: true });
      vi.unstubAllEnvs();
    },
  };
}

/** For one store's tests: `tableName` is its table. */
export interface StoreStack extends TestStack {
  readonly tableName: string;
}

export type RegistryStack = StoreStack;
export type AuditStack = StoreStack;

/** The registry's tests: no subject-index secret, which they create themselves. */
export async function startRegistryStack(): Promise<RegistryStack> {
  const stack = await startTestStack({ subjectIndexSecret: false });
  return { ...stack, tableName: stack.stack.resources.tables.registry };
}

export async function startAuditStack(): Promise<AuditStack> {
  const stack = await startTestStack();
  return { ...stack, tableName: stack.stack.resources.tables.audit };
}

export interface IngestStack extends TestStack {
  /** The bodies of every message now on the delivery queue, deleted as read. */
  drainQueue(): Promise<string[]>;
}

/** The ingest path's tests: the subject-index secret comes with the first subject key. */
export async function startIngestStack(): Promise<IngestStack> {
  const stack = await startTestStack({ subjectIndexSecret: false });
  const drainQueue = async () =>
    (await stack.drainMessages()).map((message) => String(message.Body));
  return { ...stack, drainQueue };
}

export type AdminStack = TestStack;

/** The admin commands' tests: the stack exactly as `npm start` leaves it. */
export const startAdminStack = (): Promise<AdminStack> => startTestStack();

/** A queued message: its envelope and its message attributes as text. */
export interface QueuedMessage {
  readonly envelope: Envelope;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface GatewayStack extends TestStack {
  /** The gateway `npm start` runs in front of the stack, in this process. */
  readonly gateway: LocalGateway;
  /** The gateway's webhook URL template, for `send --url`. */
  readonly webhookUrl: string;
  /** Every message now on the delivery queue, deleted as read. */
  drainQueue(): Promise<QueuedMessage[]>;
}

/** The admin stack plus the gateway, for what goes through the ingest Lambda's own handler. */
export async function startGatewayStack(): Promise<GatewayStack> {
  // The handler's JSON logs and EMF metrics would drown the test output.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const stack = await startTestStack();
  const gateway = await startGateway({ port: 0 });
  return {
    ...stack,
    gateway,
    webhookUrl: `${gateway.url}${webhookResource}`,
    drainQueue: async () => (await stack.drainMessages()).map(queuedMessage),
    async close() {
      await gateway.close();
      await stack.close();
    },
  };
}

function queuedMessage(message: Message): QueuedMessage {
  const attributes = Object.entries(message.MessageAttributes ?? {});
  return {
    envelope: readEnvelope(String(message.Body)),
    attributes: Object.fromEntries(
      attributes.map(([name, value]) => [name, String(value.StringValue)]),
    ),
  };
}
