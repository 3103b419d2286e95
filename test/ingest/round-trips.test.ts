/**
 * How many AWS round trips one delivery costs, counted at the SDK: every `client.send` of the
 * clients the ingest ports use passes an `initialize` middleware that records the command and
 * when it started and ended. Round trips are the calls grouped by overlap: calls made side by
 * side are one round trip, a call that starts after another ended is the next. Counts, not
 * timings; SDK retries happen below `initialize` and are not counted (none occur here). The ports are wired as createIngestPorts wires them, over clients made here so that
 * the middleware can be added; the stand-ins and their setup are those of ingest.test.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sequentialDepth } from '../../bench/cost/path-measurement.ts';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import { encryptField } from '../../functions/audit/field-encryption.ts';
import { createSealer } from '../../functions/audit/record-seal.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deliveryBudgetMs, settleBudgetMs } from '../../functions/config/limits.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';
import { BodyObjects } from '../../functions/queue/body-objects.ts';
import { DeliveryQueue } from '../../functions/queue/delivery-queue.ts';
import { QueueSender } from '../../functions/queue/sender.ts';
import { ProviderCache } from '../../functions/registry/provider-cache.ts';
import { verifyDelivery } from '../../functions/verify/verify.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-live';
const secret = 'whsec_round_trips_secret';

/** `"<Service> <Command>"` → number of `send` calls since the last reset. */
let calls: Record<string, number> = {};
/** When each of those calls started and ended (performance.now). */
let spans: [number, number][] = [];

interface CountableClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

function countCalls<Client>(service: string, client: Client): Client {
  (client as unknown as CountableClient).middlewareStack.add(
    (next, context) => async (args) => {
      const command = `${service} ${String(context.commandName).replace(/Command$/, '')}`;
      calls[command] = (calls[command] ?? 0) + 1;
      const startedAt = performance.now();
      try {
        return await next(args);
      } finally {
        spans.push([startedAt, performance.now()]);
      }
    },
    { step: 'initialize', name: 'countRoundTrips' },
  );
  return client;
}

let stack: IngestStack;
let ports: IngestPorts;
let clients: { destroy(): void }[] = [];

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);

  // createIngestPorts (handler.ts), over clients of our own that count their calls.
  const dynamodb = countCalls('DynamoDB', new DynamoDBClient({}));
  const kms = countCalls('KMS', new KMSClient({}));
  const sqs = countCalls('SQS', new SQSClient({}));
  const s3 = countCalls('S3', new S3Client({}));
  clients = [dynamodb, kms, sqs, s3];
  const providers = new ProviderCache({
    dynamodb,
    kms,
    tableName: registryTable.localName,
    secretsKeyId: kmsKeys.secrets.alias,
  });
  const dataKeys = new DataKeyCache({ kms, keyId: kmsKeys.audit.alias });
  const sealer = createSealer({ kms, keyId: kmsKeys.audit.alias, writer: 'ingest' });
  ports = {
    resolveProvider: (id) => providers.resolveProvider(id),
    verify: verifyDelivery,
    claims: new DeliveryClaims({ dynamodb, tableName: auditTable.localName, sealer }),
    queue: new DeliveryQueue({
      sender: new QueueSender({ sqs, queueUrl: stack.queueUrl }),
      bodies: new BodyObjects({ s3, bucketName: payloadBucket.localName }),
    }),
    audit: new AuditStore({ dynamodb, tableName: auditTable.localName, sealer }),
    // Small, so that the flood case below spends it quickly.
    rejections: new RejectionBudget({ burst: 3, perMinute: 1 }),
    encryptField: (binding, plaintext) => {
      sealer.prefetch();
      return encryptField(dataKeys, binding, plaintext);
    },
  };
}, startBudgetMs);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await stack?.close();
});

/** `laterMs` moves the clock on, as a provider's retry comes later. */
const post = (event: ApiGatewayEvent, laterMs = 0) =>
  ingest(readHttpEvent(event), ports, () => Date.now() + laterMs);
/** Past the window in which a first attempt may still be sending (deliveryBudget). */
const afterSendingMs = deliveryBudgetMs + settleBudgetMs;
const eventBody = (id: string) => JSON.stringify({ id, type: 'invoice.paid', object: 'event' });

/** Posts one delivery and answers its outcome, the calls it alone made, and their rounds. */
async function roundTrips(event: ApiGatewayEvent, laterMs = 0) {
  calls = {};
  spans = [];
  const { outcome, response } = await post(event, laterMs);
  return {
    outcome,
    statusCode: response.statusCode,
    calls: { ...calls },
    rounds: sequentialDepth(spans),
  };
}

describe('AWS round trips per delivery, counted at the SDK', () => {
  // Sequential: the first delivery warms the container for the others.
  beforeEach(async () => {
    await stack.drainQueue();
  });

  it('cold first accepted delivery: registry GetItem, KMS Decrypt, the field and seal keys side by side (GenerateDataKey twice), then claim, then send beside the payload copy', async () => {
    const cold = await roundTrips(stripeDelivery(providerId, secret, eventBody('evt_rt_cold')));
    expect(cold).toEqual({
      outcome: 'accepted',
      statusCode: 202,
      calls: {
        'DynamoDB GetItem': 1,
        'KMS Decrypt': 1,
        'KMS GenerateDataKey': 2,
        'SQS SendMessage': 1,
        'DynamoDB PutItem': 2,
      },
      rounds: 5,
    });
  });

  it('warm accepted delivery: two round trips, the claim (a conditional PutItem), then SendMessage beside the payload copy (PutItem); no KMS, no GetItem', async () => {
    const warm = await roundTrips(stripeDelivery(providerId, secret, eventBody('evt_rt_warm')));
    expect(warm).toEqual({
      outcome: 'accepted',
      statusCode: 202,
      calls: { 'SQS SendMessage': 1, 'DynamoDB PutItem': 2 },
      rounds: 2,
    });
  });

  it('warm repeat while the first attempt may still be sending: two round trips (the claim that finds the item, the UpdateItem that appends the repeat), 503 in_flight; nothing sent', async () => {
    const repeat = await roundTrips(stripeDelivery(providerId, secret, eventBody('evt_rt_warm')));
    expect(repeat).toEqual({
      outcome: 'in_flight',
      statusCode: 503,
      calls: { 'DynamoDB PutItem': 1, 'DynamoDB UpdateItem': 1 },
      rounds: 2,
    });
  });

  it('warm duplicate: two round trips, the claim that finds the delivery, then the UpdateItem that appends the repeat; nothing sent, no KMS', async () => {
    const duplicate = await roundTrips(
      stripeDelivery(providerId, secret, eventBody('evt_rt_warm')),
      afterSendingMs,
    );
    expect(duplicate).toEqual({
      outcome: 'duplicate',
      statusCode: 200,
      calls: { 'DynamoDB PutItem': 1, 'DynamoDB UpdateItem': 1 },
      rounds: 2,
    });
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('warm rejected (bad signature): exactly one PutItem (the audit record); no KMS, no claim', async () => {
    const rejected = await roundTrips(
      stripeDelivery(providerId, 'whsec_wrong', eventBody('evt_rt_forged')),
    );
    expect(rejected).toEqual({
      outcome: 'rejected',
      statusCode: 401,
      calls: { 'DynamoDB PutItem': 1 },
      rounds: 1,
    });
  });

  it('unknown provider id: one GetItem and the audit record; within a minute, the record only', async () => {
    const first = await roundTrips(stripeDelivery('not-registered', secret, '{}'));
    expect(first).toEqual({
      outcome: 'rejected',
      statusCode: 401,
      calls: { 'DynamoDB GetItem': 1, 'DynamoDB PutItem': 1 },
      rounds: 2,
    });
    const again = await roundTrips(stripeDelivery('not-registered', secret, '{}'));
    expect(again.calls).toEqual({ 'DynamoDB PutItem': 1 });
  });

  it('refused attempts over their source budget: no round trip at all', async () => {
    // The three cases above spent this source's burst of three.
    const flood = await roundTrips(
      stripeDelivery(providerId, 'whsec_wrong', eventBody('evt_rt_flood')),
    );
    expect(flood).toEqual({ outcome: 'rejected', statusCode: 401, calls: {}, rounds: 0 });
  });
});
