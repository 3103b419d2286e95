import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb.ts';
import { type LocalService, LocalServiceStartError } from '../../local/ports.ts';

/** A JVM takes a few seconds to start; 30 s is the budget for the whole local stack. */
const startBudgetMs = 30_000;

let dynamodb: LocalService;
let client: DynamoDBClient;

/** Points the environment, and so a fresh `new DynamoDBClient({})`, at `endpoint`. */
const useEndpoint = (endpoint: string) => {
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  return new DynamoDBClient({});
};

beforeAll(async () => {
  dynamodb = await startDynamoDbLocal();
  client = useEndpoint(dynamodb.endpoint);
}, startBudgetMs);

afterAll(async () => {
  client?.destroy();
  await dynamodb?.stop();
  vi.unstubAllEnvs();
});

/** Process ids of DynamoDB Local servers listening on `port`, from `ps`. */
const serversOnPort = (port: string) =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port} `));

/** An audit-like table: delivery id key, TTL on `expiresAt`, a GSI by provider and time. */
const createDeliveriesTable = async (tableName: string, target = client) => {
  await target.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'deliveryId', AttributeType: 'S' },
        { AttributeName: 'provider', AttributeType: 'S' },
        { AttributeName: 'receivedAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'deliveryId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byProvider',
          KeySchema: [
            { AttributeName: 'provider', KeyType: 'HASH' },
            { AttributeName: 'receivedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await target.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
};

const delivery = (deliveryId: string, receivedAt: string) => ({
  deliveryId: { S: deliveryId },
  provider: { S: 'stripe' },
  receivedAt: { S: receivedAt },
  expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3_600) },
});

/** PutItem that refuses to overwrite, as deduplication does. */
const putOnce = (tableName: string, deliveryId: string, receivedAt: string) =>
  client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: delivery(deliveryId, receivedAt),
      ConditionExpression: 'attribute_not_exists(deliveryId)',
    }),
  );

describe('startDynamoDbLocal', () => {
  beforeAll(() => createDeliveriesTable('deliveries'));

  it('listens on loopback and enables TTL on the table', async () => {
    expect(new URL(dynamodb.endpoint).hostname).toBe('127.0.0.1');
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: 'deliveries' }),
    );
    expect(TimeToLiveDescription).toEqual({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it('refuses a second put of the same delivery with ConditionalCheckFailedException', async () => {
    await putOnce('deliveries', 'evt_once', '2025-01-01T00:00:00Z');
    await expect(putOnce('deliveries', 'evt_once', '2025-01-01T00:00:01Z')).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
  });

  it('writes all items of a transaction or none', async () => {
    const put = (deliveryId: string) => ({
      Put: {
        TableName: 'deliveries',
        Item: delivery(deliveryId, '2025-01-02T00:00:00Z'),
        ConditionExpression: 'attribute_not_exists(deliveryId)',
      },
    });
    await client.send(new TransactWriteItemsCommand({ TransactItems: [put('tx_a'), put('tx_b')] }));

    const failure = client.send(
      new TransactWriteItemsCommand({ TransactItems: [put('tx_c'), put('tx_a')] }),
    );
    await expect(failure).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(failure).rejects.toMatchObject({
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: 'deliveries', Key: { deliveryId: { S: 'tx_c' } } }),
    );
    expect(Item).toBeUndefined();
  });

  it('queries the GSI in sort-key order', async () => {
    await putOnce('deliveries', 'q_2', '2025-03-01T00:00:02Z');
    await putOnce('deliveries', 'q_1', '2025-03-01T00:00:01Z');
    const { Items } = await client.send(
      new QueryCommand({
        TableName: 'deliveries',
        IndexName: 'byProvider',
        KeyConditionExpression: 'provider = :provider AND begins_with(receivedAt, :day)',
        ExpressionAttributeValues: { ':provider': { S: 'stripe' }, ':day': { S: '2025-03-01' } },
      }),
    );
    expect(Items?.map((item) => item.deliveryId?.S)).toEqual(['q_1', 'q_2']);
  });

  it('reports a port already in use with a typed error', async () => {
    const failure = startDynamoDbLocal({ port: Number(new URL(dynamodb.endpoint).port) });
    await expect(failure).rejects.toBeInstanceOf(LocalServiceStartError);
    await expect(failure).rejects.toMatchObject({
      service: 'DynamoDB Local',
      reason: 'port_unavailable',
    });
  });

  it('reports a missing java with a typed error', async () => {
    const javaHome = process.env.JAVA_HOME;
    vi.stubEnv('JAVA_HOME', '/nonexistent-jdk');
    try {
      await expect(startDynamoDbLocal()).rejects.toMatchObject({
        service: 'DynamoDB Local',
        reason: 'not_found',
        message: expect.stringContaining('/nonexistent-jdk/bin/java'),
      });
    } finally {
      vi.stubEnv('JAVA_HOME', javaHome);
    }
  });

  it('reports a server that does not answer in time with a typed error', async () => {
    const failure = startDynamoDbLocal({ startTimeoutMs: 1 });
    await expect(failure).rejects.toMatchObject({ service: 'DynamoDB Local', reason: 'timeout' });
  });
});

describe('stop', () => {
  it(
    'leaves no DynamoDB Local process behind',
    async () => {
      const other = await startDynamoDbLocal();
      const port = new URL(other.endpoint).port;
      expect(serversOnPort(port)).toHaveLength(1);
      await other.stop();
      expect(serversOnPort(port)).toEqual([]);
      await other.stop();
    },
    startBudgetMs,
  );
});

describe('with a data directory', () => {
  let dataDirectory: string;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'dynamodb-local-'));
  });
  afterAll(() => rm(dataDirectory, { recursive: true, force: true }));

  it(
    'keeps tables and items across a restart',
    async () => {
      const first = await startDynamoDbLocal({ dataDirectory: join(dataDirectory, 'nested') });
      const firstClient = useEndpoint(first.endpoint);
      await createDeliveriesTable('kept', firstClient);
      await firstClient.send(
        new PutItemCommand({ TableName: 'kept', Item: delivery('evt_kept', '2025-04-01') }),
      );
      firstClient.destroy();
      await first.stop();

      const second = await startDynamoDbLocal({ dataDirectory: join(dataDirectory, 'nested') });
      const secondClient = useEndpoint(second.endpoint);
      try {
        const { Item } = await secondClient.send(
          new GetItemCommand({ TableName: 'kept', Key: { deliveryId: { S: 'evt_kept' } } }),
        );
        expect(Item?.provider).toEqual({ S: 'stripe' });
      } finally {
        secondClient.destroy();
        await second.stop();
      }
    },
    2 * startBudgetMs,
  );
});
