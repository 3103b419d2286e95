/**
 * Every wait of the ingest Lambda is bounded (docs/architecture.md, "Every wait bounded"):
 * DynamoDB Local or fauxqs stall behind a loopback proxy that accepts connections and forwards
 * nothing, and the handler's own wiring (createIngestPorts: the bounded SDK clients) answers
 * 503 with Retry-After within the delivery budget plus its settle allowance, and a generous
 * margin for a loaded machine: it answers, it does not hang. Once the stall ends, the
 * provider's retry is accepted and the event is queued once.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { boundedClientConfig } from '../../functions/aws/clients.ts';
import { Deadline, withDeadline } from '../../functions/aws/deadline.ts';
import { DeadlineExceededError } from '../../functions/aws/errors.ts';
import {
  deliveryBudgetMs,
  retryAfterSeconds,
  sdkRequestTimeoutMs,
  settleBudgetMs,
} from '../../functions/config/limits.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, type IngestResult, ingest } from '../../functions/ingest/ingest.ts';
import type { LocalService } from '../../local/ports.ts';
import { startSqsLocal } from '../../local/sqs.ts';
import { createQueues } from '../../local/stack.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { type StallProxy, startStallProxy } from '../support/stall-proxy.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-live';
const secret = 'whsec_bounded_waits_secret_0c41';

/** The latest a 503 may come: the budget, the settle allowance, and room for a busy machine. */
const answerBoundMs = deliveryBudgetMs + settleBudgetMs + 5_000;
/** Each test: a stalled request, a retry or two, and a warm-up. */
const testTimeoutMs = 4 * answerBoundMs;

let stack: IngestStack;
let dynamodbProxy: StallProxy;
let sqsProxy: StallProxy;
/** fauxqs, started again behind the SQS proxy. */
let movedSqs: LocalService;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  // The stack's own clients resolve their endpoints at first use, before the DynamoDB proxy:
  // the test reads the audit trail directly, never through a stall.
  await stack.drainQueue();
  dynamodbProxy = await startStallProxy(stack.stack.services.dynamodb.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamodbProxy.endpoint);
  // fauxqs knows a queue by the URL it was created under, and the SQS client sends to that
  // URL's host whatever its endpoint: so the proxy takes fauxqs's port, fauxqs moves behind
  // it, and the queues are created again through the proxy under the same URLs.
  const sqsPort = Number(new URL(stack.queueUrl).port);
  await stack.stopSqs();
  movedSqs = await startSqsLocal();
  sqsProxy = await startStallProxy(movedSqs.endpoint, { port: sqsPort });
  await createQueues(stack.sqs);
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterEach(() => {
  dynamodbProxy?.resume();
  sqsProxy?.resume();
  vi.restoreAllMocks();
});

afterAll(async () => {
  await dynamodbProxy?.close();
  await sqsProxy?.close();
  await movedSqs?.stop();
  await stack?.close();
});

const eventBody = (id: string) => JSON.stringify({ id, type: 'invoice.paid', object: 'event' });

const post = (ports: IngestPorts, deliveryId: string) =>
  ingest(readHttpEvent(stripeDelivery(providerId, secret, eventBody(deliveryId))), ports, Date.now);

/**
 * The handler's wiring through the proxies, warmed by one accepted delivery: the provider,
 * its key and the audit data key are cached, so the claim is the first call a delivery makes.
 */
async function warmPorts(): Promise<IngestPorts> {
  const ports = createIngestPorts();
  const warm = await post(ports, `evt_warm_${randomUUID()}`);
  expect(warm.response.statusCode).toBe(202);
  await stack.drainQueue();
  return ports;
}

async function timed(run: () => Promise<IngestResult>) {
  const startedAt = performance.now();
  const result = await run();
  return { result, elapsedMs: Math.round(performance.now() - startedAt) };
}

function expectTimelyUnavailable(
  { result, elapsedMs }: { result: IngestResult; elapsedMs: number },
  reason: string,
) {
  expect(result.response.statusCode).toBe(503);
  expect(result.response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(result.reason).toBe(reason);
  expect(elapsedMs).toBeLessThan(answerBoundMs);
  // Seen in the test output: the measured time to the 503.
  console.info(`503 ${reason} after ${elapsedMs} ms (bound ${answerBoundMs} ms)`);
}

const records = async (deliveryId: string) =>
  (await audit.findByDeliveryId(deliveryId)).records.map(({ outcome, reason }) => ({
    outcome,
    reason,
  }));

describe('a dependency that stalls: 503 with Retry-After in time, and a retry mends it', () => {
  it(
    'DynamoDB stalled at the claim: 503 claim_not_released (the claim may have landed and its ' +
      'release stalled too), nothing queued; after the stall the retry is accepted at once and ' +
      'queued once',
    async () => {
      const ports = await warmPorts();
      const deliveryId = `evt_ddb_claim_${randomUUID()}`;
      dynamodbProxy.stall();

      expectTimelyUnavailable(await timed(() => post(ports, deliveryId)), 'claim_not_released');
      expect(dynamodbProxy.silencedConnections).toBeGreaterThan(0);

      dynamodbProxy.resume();
      expect(await stack.drainQueue()).toEqual([]);
      // The proxy forwarded nothing, so the claim never reached DynamoDB: nothing to wait out.
      const retry = await post(ports, deliveryId);
      expect(retry.response.statusCode).toBe(202);
      expect(await stack.drainQueue()).toHaveLength(1);
      expect(await records(deliveryId)).toEqual([{ outcome: 'accepted', reason: undefined }]);
    },
    testTimeoutMs,
  );

  it(
    'SQS stalled at the send: 503 sqs_timeout, audited failed; the claim is released, so the ' +
      'retry is accepted at once, and the queue deduplicates a message the stalled send may ' +
      'have left: exactly one message',
    async () => {
      const ports = await warmPorts();
      const deliveryId = `evt_sqs_send_${randomUUID()}`;
      sqsProxy.stall();

      expectTimelyUnavailable(await timed(() => post(ports, deliveryId)), 'sqs_timeout');
      expect(await records(deliveryId)).toEqual([{ outcome: 'failed', reason: 'sqs_timeout' }]);

      sqsProxy.resume();
      const retry = await post(ports, deliveryId);
      expect(retry.response.statusCode).toBe(202);
      expect(await stack.drainQueue()).toHaveLength(1);
    },
    testTimeoutMs,
  );

  it(
    'DynamoDB stalled at the payload copy, beside a send that succeeded: 202 in time, the ' +
      'event queued once and its record written by the claim; only the copy is missing',
    async () => {
      const ports = await warmPorts();
      const deliveryId = `evt_ddb_copy_${randomUUID()}`;
      // The copy's PutItem, not the claim's (a PutItem too): only the copy holds this attribute.
      dynamodbProxy.stallOn('encryptedPayload');

      const { result, elapsedMs } = await timed(() => post(ports, deliveryId));
      dynamodbProxy.resume();
      expect(result.response.statusCode).toBe(202);
      expect(result.reason).toBe('payload_copy_not_written');
      expect(elapsedMs).toBeLessThan(answerBoundMs);
      expect(await stack.drainQueue()).toHaveLength(1);
      expect(await records(deliveryId)).toEqual([{ outcome: 'accepted', reason: undefined }]);
    },
    testTimeoutMs,
  );
});

describe('the delivery deadline, through the real adapters and clients', () => {
  it(
    'a budget shorter than one attempt: the stalled claim is aborted at the deadline, and its ' +
      'release at the settle allowance (claim_not_released), well before the SDK would give up',
    async () => {
      const ports = await warmPorts();
      const budget = { deliveryMs: sdkRequestTimeoutMs / 3, settleMs: sdkRequestTimeoutMs / 3 };
      dynamodbProxy.stall();

      const startedAt = performance.now();
      const result = await ingest(
        readHttpEvent(stripeDelivery(providerId, secret, eventBody(`evt_${randomUUID()}`))),
        ports,
        Date.now,
        budget,
      );
      const elapsedMs = Math.round(performance.now() - startedAt);
      expect(result.response.statusCode).toBe(503);
      expect(result.reason).toBe('claim_not_released');
      expect(elapsedMs).toBeLessThan(sdkRequestTimeoutMs);
      console.info(`503 claim_not_released after ${elapsedMs} ms (budget ${budget.deliveryMs} ms)`);
    },
    testTimeoutMs,
  );
});

describe('the bounded SDK clients (functions/aws/clients.ts), against a stalled endpoint', () => {
  /** A client built as the handler builds them, pointed at a proxy that is stalled from the start. */
  async function withStalledClient(
    run: (client: DynamoDBClient, proxy: StallProxy) => Promise<void>,
  ): Promise<void> {
    // The target is never dialled: a connection accepted while stalled forwards nothing.
    const proxy = await startStallProxy('http://127.0.0.1:9');
    proxy.stall();
    const client = new DynamoDBClient({ ...boundedClientConfig(), endpoint: proxy.endpoint });
    try {
      await run(client, proxy);
    } finally {
      client.destroy();
      await proxy.close();
    }
  }

  const getItem = (client: DynamoDBClient) =>
    client
      .send(new GetItemCommand({ TableName: auditTable.localName, Key: { pk: { S: 'x' } } }))
      .catch((error: unknown) => error);

  it('a call under a deadline is aborted at the deadline, before its own timeouts', async () => {
    await withStalledClient(async (client) => {
      const startedAt = performance.now();
      const failure = await withDeadline(sdkRequestTimeoutMs / 5, () => getItem(client));
      expect(performance.now() - startedAt).toBeLessThan(sdkRequestTimeoutMs);
      expect(failure).toMatchObject({ name: 'AbortError' });
      expect((failure as Error).cause).toBeInstanceOf(DeadlineExceededError);
    });
  });

  it(
    'a call with no deadline ends by its own timeouts: two attempts, then TimeoutError',
    async () => {
      await withStalledClient(async (client, proxy) => {
        const failure = await getItem(client);
        expect(failure).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
        expect(proxy.silencedConnections).toBe(2);
      });
    },
    answerBoundMs,
  );

  it('a deadline already spent: the call fails at once and opens no connection', async () => {
    await withStalledClient(async (client, proxy) => {
      const deadline = new Deadline(0);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await deadline.run(() => getItem(client))).toMatchObject({ name: 'AbortError' });
        expect(proxy.silencedConnections).toBe(0);
      } finally {
        deadline.dispose();
      }
    });
  });
});
