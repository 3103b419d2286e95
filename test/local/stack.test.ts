/**
 * The local stack behind `npm start`, checked through fresh SDK clients that find it by the
 * standard endpoint variables only, as the handler and the CLI will.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deadLetterQueue, deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable, consumerTable, registryTable } from '../../functions/config/tables.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/** A JVM start plus provisioning; 30 s is the budget for the whole stack. */
const startBudgetMs = 30_000;

/** Every variable the stack sets, cleared first so that vi.unstubAllEnvs restores them. */
const stackVariables = [
  'AWS_REGION',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
];
const clearStackVariables = () => {
  for (const name of stackVariables) vi.stubEnv(name, undefined);
};

/** DynamoDB Local servers listening on the endpoint's port, from `ps`. */
const dynamoDbServersOn = (endpoint: string) => {
  const port = new URL(endpoint).port;
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port} `));
};

const encryptWith = async (kms: KMSClient, keyId: string, text: string) => {
  const { CiphertextBlob } = await kms.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode(text) }),
  );
  return CiphertextBlob;
};

describe('the stack in memory', () => {
  let stateDirectory: string;
  let stack: LocalStack;

  beforeAll(async () => {
    clearStackVariables();
    stateDirectory = await mkdtemp(join(tmpdir(), 'local-stack-'));
    stack = await startLocalStack({ stateDirectory });
  }, startBudgetMs);

  afterAll(async () => {
    await stack?.stop();
    await rm(stateDirectory, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('points the standard endpoint variables at the stand-ins, with fake credentials', () => {
    expect(process.env.AWS_ENDPOINT_URL_KMS).toBe(stack.endpoints.kms);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.endpoints.dynamodb);
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(stack.endpoints.sqs);
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(stack.usesFakeCredentials).toBe(true);
    for (const endpoint of Object.values(stack.endpoints)) {
      expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    }
  });

  it('creates the tables with the key schema, TTL attribute and GSI of functions/config', async () => {
    const dynamodb = new DynamoDBClient({});
    try {
      const { Table: audit } = await dynamodb.send(
        new DescribeTableCommand({ TableName: auditTable.localName }),
      );
      expect(audit?.KeySchema).toEqual([
        { AttributeName: auditTable.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: auditTable.sortKey.name, KeyType: 'RANGE' },
      ]);
      const byName = (a: readonly unknown[], b: readonly unknown[]) =>
        String(a[0]).localeCompare(String(b[0]));
      expect(
        audit?.GlobalSecondaryIndexes?.map((gsi) => [gsi.IndexName, gsi.KeySchema]).sort(byName),
      ).toEqual(
        auditTable.globalSecondaryIndexes
          .map((index) => [
            index.indexName,
            [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
          ])
          .sort(byName),
      );
      const { TimeToLiveDescription } = await dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: auditTable.localName }),
      );
      expect(TimeToLiveDescription).toMatchObject({
        AttributeName: auditTable.timeToLiveAttribute,
        TimeToLiveStatus: 'ENABLED',
      });

      const { Table: registry } = await dynamodb.send(
        new DescribeTableCommand({ TableName: registryTable.localName }),
      );
      expect(registry?.KeySchema).toEqual([
        { AttributeName: registryTable.partitionKey.name, KeyType: 'HASH' },
      ]);
    } finally {
      dynamodb.destroy();
    }
  });

  it('creates the queue with the configured size, retention, visibility and redrive to the DLQ', async () => {
    const sqs = new SQSClient({});
    try {
      const { Attributes: dlq } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.resources.deadLetterQueueUrl,
          AttributeNames: ['All'],
        }),
      );
      const { Attributes: queue } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.resources.queueUrl,
          AttributeNames: ['All'],
        }),
      );
      expect(queue).toMatchObject({
        FifoQueue: 'true',
        DeduplicationScope: deliveryQueue.deduplicationScope,
        FifoThroughputLimit: deliveryQueue.fifoThroughputLimit,
        MaximumMessageSize: String(deliveryQueue.maxMessageBytes),
        MessageRetentionPeriod: String(deliveryQueue.retentionSeconds),
        VisibilityTimeout: String(deliveryQueue.visibilityTimeoutSeconds),
        KmsMasterKeyId: kmsKeys.queue.alias,
      });
      expect(JSON.parse(queue?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlq?.QueueArn,
        maxReceiveCount: deliveryQueue.maxReceiveCount,
      });
      expect(dlq?.QueueArn).toContain(deadLetterQueue.localName);
      expect(dlq?.MaximumMessageSize).toBe(String(deadLetterQueue.maxMessageBytes));
      expect(dlq?.FifoQueue).toBe('true');
    } finally {
      sqs.destroy();
    }
  });

  it('creates the three keys under their aliases, usable for Encrypt and Decrypt', async () => {
    const kms = new KMSClient({});
    try {
      for (const [name, { alias }] of Object.entries(kmsKeys)) {
        const ciphertext = await encryptWith(kms, alias, `secret for ${name}`);
        const { Plaintext, KeyId } = await kms.send(
          new DecryptCommand({ CiphertextBlob: ciphertext }),
        );
        expect(new TextDecoder().decode(Plaintext)).toBe(`secret for ${name}`);
        expect(KeyId).toContain(stack.resources.keys[name as keyof typeof kmsKeys].keyId);
      }
    } finally {
      kms.destroy();
    }
  });

  it('writes stack.json with mode 0600: endpoints, names, URLs, key ids and variable names', async () => {
    expect(stack.stackFile).toBe(join(stateDirectory, 'stack.json'));
    expect((await stat(stack.stackFile)).mode & 0o777).toBe(0o600);
    const { keys } = stack.resources;
    // An exact match: any field beyond these (key material, credentials) fails it.
    expect(JSON.parse(await readFile(stack.stackFile, 'utf8'))).toEqual({
      region: 'us-east-1',
      persist: false,
      endpoints: stack.endpoints,
      resources: {
        tables: {
          registry: registryTable.localName,
          audit: auditTable.localName,
          consumer: consumerTable.localName,
        },
        queueUrl: stack.resources.queueUrl,
        deadLetterQueueUrl: stack.resources.deadLetterQueueUrl,
        payloadBucket: payloadBucket.localName,
        digests: {
          bucket: auditDigests.localBucketName,
          signingKeyId: stack.resources.digests?.signingKeyId,
        },
        keys: {
          secrets: { alias: kmsKeys.secrets.alias, keyId: keys.secrets.keyId },
          audit: { alias: kmsKeys.audit.alias, keyId: keys.audit.keyId },
          queue: { alias: kmsKeys.queue.alias, keyId: keys.queue.keyId },
        },
      },
      environment: {
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_KMS: stack.endpoints.kms,
        AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
        AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
        [registryTable.nameVariable]: registryTable.localName,
        [auditTable.nameVariable]: auditTable.localName,
        [consumerTable.nameVariable]: consumerTable.localName,
        [deliveryQueue.urlVariable]: stack.resources.queueUrl,
        [deadLetterQueue.urlVariable]: stack.resources.deadLetterQueueUrl,
        [payloadBucket.nameVariable]: payloadBucket.localName,
        [auditDigests.bucketVariable]: auditDigests.localBucketName,
        [auditDigests.signingKeyVariable]: stack.resources.digests?.signingKeyId,
        [auditDigests.periodVariable]: String(auditDigests.local.periodSeconds),
        [auditDigests.settleVariable]: String(auditDigests.local.settleSeconds),
        [kmsKeys.secrets.idVariable]: keys.secrets.keyId,
        [kmsKeys.audit.idVariable]: keys.audit.keyId,
        [kmsKeys.queue.idVariable]: keys.queue.keyId,
      },
      pid: process.pid,
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
    });
  });

  it('stops everything, twice without harm, leaving no DynamoDB Local process or stack.json', async () => {
    expect(dynamoDbServersOn(stack.endpoints.dynamodb)).toHaveLength(1);
    await stack.stop();
    await stack.stop();
    expect(dynamoDbServersOn(stack.endpoints.dynamodb)).toEqual([]);
    await expect(stat(stack.stackFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fetch(stack.endpoints.kms)).rejects.toThrow();
    await expect(fetch(stack.endpoints.sqs)).rejects.toThrow();
  });
});

describe('the stack with persist', () => {
  let stateDirectory: string;
  let stack: LocalStack | undefined;

  beforeAll(async () => {
    clearStackVariables();
    stateDirectory = await mkdtemp(join(tmpdir(), 'local-stack-persist-'));
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(stateDirectory, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it(
    'reuses the tables, items and keys after a restart: an earlier ciphertext still decrypts',
    async () => {
      stack = await startLocalStack({ persist: true, stateDirectory });
      const firstKeys = stack.resources.keys;
      const kms = new KMSClient({});
      const dynamodb = new DynamoDBClient({});
      const ciphertext = await encryptWith(kms, kmsKeys.secrets.alias, 'whsec_before_restart');
      const item = { providerId: { S: 'stripe-live' } };
      await dynamodb.send(new PutItemCommand({ TableName: registryTable.localName, Item: item }));
      kms.destroy();
      dynamodb.destroy();
      await stack.stop();

      stack = await startLocalStack({ persist: true, stateDirectory });
      expect(stack.resources.keys).toEqual(firstKeys);
      const kmsAfter = new KMSClient({});
      const dynamodbAfter = new DynamoDBClient({});
      try {
        const { Plaintext } = await kmsAfter.send(
          new DecryptCommand({ CiphertextBlob: ciphertext }),
        );
        expect(new TextDecoder().decode(Plaintext)).toBe('whsec_before_restart');
        const { Item } = await dynamodbAfter.send(
          new GetItemCommand({ TableName: registryTable.localName, Key: item }),
        );
        expect(Item).toEqual(item);
      } finally {
        kmsAfter.destroy();
        dynamodbAfter.destroy();
      }

      // The key material is in kms.json (mode 0600), never in stack.json.
      const stackFile = await readFile(stack.stackFile, 'utf8');
      const state = JSON.parse(await readFile(join(stateDirectory, 'kms.json'), 'utf8'));
      const materials = (state.keys as { material: string }[]).map((key) => key.material);
      // The three data keys and the audit digests' signing key.
      expect(materials).toHaveLength(4);
      for (const material of materials) expect(stackFile).not.toContain(material);
      expect(JSON.parse(stackFile).persist).toBe(true);
    },
    2 * startBudgetMs,
  );
});

describe('npm start (dist/start.mjs)', () => {
  let workDirectory: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'start']);
    workDirectory = await mkdtemp(join(tmpdir(), 'local-start-'));
  }, startBudgetMs);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await rm(workDirectory, { recursive: true, force: true });
  });

  it(
    'prints the endpoints, the gateway and a ready line, then stops cleanly on SIGINT with exit code 0',
    async () => {
      const environment: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
      for (const name of stackVariables) delete environment[name];
      const started = spawn(process.execPath, [join(process.cwd(), 'dist/start.mjs')], {
        cwd: workDirectory,
        env: environment,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let output = '';
      started.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
      await vi.waitFor(() => expect(output).toMatch(/^ready in \d+\.\d s/m), {
        timeout: startBudgetMs,
        interval: 100,
      });

      const dynamodbEndpoint = /export AWS_ENDPOINT_URL_DYNAMODB='([^']+)'/.exec(output)?.[1];
      expect(dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(output).toMatch(/gateway +http:\/\/127\.0\.0\.1:\d+\/v1\/webhooks\/\{providerId\}$/m);
      expect(output).toContain(`export ${deliveryQueue.urlVariable}='http://127.0.0.1:`);
      expect(output).toContain(join('.local', 'stack.json'));
      expect(dynamoDbServersOn(dynamodbEndpoint ?? '')).toHaveLength(1);

      started.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(dynamoDbServersOn(dynamodbEndpoint ?? '')).toEqual([]);
    },
    startBudgetMs,
  );
});
