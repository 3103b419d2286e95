/**
 * The local stack behind `npm start`: the KMS stand-in, DynamoDB Local and fauxqs on loopback,
 * with the tables, queues, payload bucket and keys created from the same definitions the CDK stack uses
 * (functions/config). Everything is created through SDK clients that find the stand-ins by
 * the standard endpoint variables this sets, as the handler and the CLI will.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  KMSClient,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SubjectIndexSecret } from '../functions/audit/subject-index-secret.ts';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';
import {
  auditTable,
  consumerTable,
  registryTable,
  type TableDefinition,
} from '../functions/config/tables.ts';
import { startDynamoDbLocal } from './dynamodb.ts';
import { startKmsStandIn } from './kms/server.ts';
import type { LocalService, ServiceEnd } from './ports.ts';
import { createDigestBucket, createPayloadBucket } from './s3.ts';
import { fifoQueueAttributes, startSqsLocal } from './sqs.ts';
import {
  type KmsKeyName,
  type LocalKey,
  type LocalStackDescription,
  type LocalStackEndpoints,
  type LocalStackResources,
  readStackFile,
  recordedProcessRuns,
  removeStackFile,
  type StackFileOwner,
  stackEnvironment,
  writeStackFile,
} from './stack-file.ts';
import { createTable } from './tables.ts';

export interface LocalStackOptions {
  /**
   * Keep tables, items, keys and aliases across restarts, in `<stateDirectory>/dynamodb` and
   * `<stateDirectory>/kms.json`; existing tables and aliases are reused. Queues, messages
   * and the payload bucket never persist: fauxqs keeps them in memory only.
   * @default false - everything is gone once stopped
   */
  readonly persist?: boolean;
  /** Where `stack.json` (and, with `persist`, the data) is written. @default '.local' */
  readonly stateDirectory?: string;
  /**
   * Told, before anything starts, of a `stack.json` whose process no longer runs (a crash
   * left it); it is then replaced.
   * @default - replaced without a word
   */
  readonly onStaleStackFile?: (stale: LocalStackDescription, path: string) => void;
  /**
   * Create the subject-index secret in the registry table, as the first `providers add
   * --subject-key` does in AWS. Tests of a deployment before that first call leave it out.
   * @default true
   */
  readonly createSubjectIndexSecret?: boolean;
}

export interface LocalStack extends LocalStackDescription {
  /** The absolute path of the `stack.json` written for this stack. */
  readonly stackFile: string;
  /** Whether no credentials were set, so fake ones were put in process.env for the SDK. */
  readonly usesFakeCredentials: boolean;
  /** Each stand-in, so that one can be stopped alone (tests use it for an outage). */
  readonly services: LocalStackServices;
  /**
   * Resolves when the first stand-in ends by itself (the JVM exits or is killed, a server
   * fails), saying which and how; never for one stopped through `stop()` or `services`.
   */
  readonly ended: Promise<ServiceEnd>;
  /** Adds the gateway's webhook URL to `stack.json`, for `webhooks send --local`. */
  recordWebhookUrlTemplate(template: string): Promise<void>;
  /** Stops every stand-in and removes `stack.json`. Calling it again is harmless. */
  stop(): Promise<void>;
}

/** A stack started from the same state directory still runs: a second one would take over its file. */
export class LocalStackRunningError extends Error {
  override readonly name = 'LocalStackRunningError';
  readonly code = 'local_stack_running';
  constructor(
    readonly running: LocalStackDescription,
    readonly stackFile: string,
    options?: ErrorOptions,
  ) {
    const gateway = running.webhookUrlTemplate ?? 'not listening yet';
    super(
      `a local stack is already running from this folder: pid ${running.pid}, started ${running.startedAt}, gateway ${gateway}; stop it (Ctrl-C in its terminal, or kill ${running.pid}) or use it`,
      options,
    );
  }
}

/** The stand-ins ignore signatures; the SDK still needs something to sign with. */
export const fakeCredentials = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

/** The region when AWS_REGION is unset. */
const defaultRegion = 'us-east-1';

/**
 * Starts the stand-ins in parallel, points process.env at them, creates the resources and
 * puts their names (`environment`) in process.env too, as the Lambda's configuration would.
 * @example
 * const stack = await startLocalStack({ persist: true });
 * new DynamoDBClient({}); // reaches DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB
 * await stack.stop();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const persist = options.persist ?? false;
  const stateDirectory = resolve(options.stateDirectory ?? '.local');
  const stackFile = join(stateDirectory, 'stack.json');
  // Before anything starts: a running stack's file must stay as it is.
  const previous = await readStackFile(stackFile).catch(() => undefined);
  if (previous !== undefined) {
    if (recordedProcessRuns(previous)) throw new LocalStackRunningError(previous, stackFile);
    options.onStaleStackFile?.(previous, stackFile);
  }
  await mkdir(stateDirectory, { recursive: true });
  const region = process.env.AWS_REGION || defaultRegion;
  const owner: StackFileOwner = { pid: process.pid, startedAt: new Date().toISOString() };

  const services = await startServices(region, persist, stateDirectory);
  let stopping: Promise<void> | undefined;
  let recording: Promise<void> = Promise.resolve();
  const stop = () => {
    stopping ??= (async () => {
      await Promise.allSettled(Object.values(services).map((service) => service.stop()));
      await recording.catch(() => undefined);
      await removeStackFile(stackFile, owner);
    })();
    return stopping;
  };

  try {
    const endpoints: LocalStackEndpoints = {
      kms: services.kms.endpoint,
      dynamodb: services.dynamodb.endpoint,
      sqs: services.sqs.endpoint,
      // fauxqs serves S3 beside SQS.
      s3: services.sqs.endpoint,
    };
    const usesFakeCredentials = useEndpoints(region, endpoints);
    const resources = await createResources(options.createSubjectIndexSecret ?? true);
    const description: LocalStackDescription = {
      region,
      persist,
      endpoints,
      resources,
      environment: stackEnvironment(region, endpoints, resources),
      ...owner,
    };
    // Every name the handler reads, before anything imports it (`startGateway` does so lazily).
    Object.assign(process.env, description.environment);
    await writeStackFile(stackFile, description);
    const recordWebhookUrlTemplate = (webhookUrlTemplate: string) => {
      // Once stopping, the file is being removed and must not come back.
      if (stopping !== undefined) return Promise.resolve();
      recording = writeStackFile(stackFile, { ...description, webhookUrlTemplate });
      return recording;
    };
    return {
      ...description,
      stackFile,
      usesFakeCredentials,
      services,
      ended: Promise.race(Object.values(services).map((service) => service.ended)),
      recordWebhookUrlTemplate,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LocalStackServices {
  readonly kms: LocalService;
  readonly dynamodb: LocalService;
  readonly sqs: LocalService;
}

/** All three at once; if one fails, the others are stopped before the error is thrown. */
async function startServices(
  region: string,
  persist: boolean,
  stateDirectory: string,
): Promise<LocalStackServices> {
  const started = await Promise.allSettled([
    startKmsStandIn({
      region,
      ...(persist ? { stateFile: join(stateDirectory, 'kms.json') } : {}),
    }).then((kms): LocalService => {
      // The stand-in's close refuses a second call; a LocalService's stop may be called again.
      let closing: Promise<void> | undefined;
      return { endpoint: kms.url, stop: () => (closing ??= kms.close()), ended: kms.ended };
    }),
    startDynamoDbLocal(persist ? { dataDirectory: join(stateDirectory, 'dynamodb') } : {}),
    startSqsLocal(),
  ]);
  const [kms, dynamodb, sqs] = started;
  if (kms.status === 'fulfilled' && dynamodb.status === 'fulfilled' && sqs.status === 'fulfilled') {
    return { kms: kms.value, dynamodb: dynamodb.value, sqs: sqs.value };
  }
  await Promise.allSettled(
    started.flatMap((result) => (result.status === 'fulfilled' ? [result.value.stop()] : [])),
  );
  const failure = started.find((result) => result.status === 'rejected');
  throw failure?.reason;
}

/**
 * Sets the standard variables every SDK client reads. Fake credentials only when none are
 * configured (a profile counts: the SDK would prefer it to variables anyway). Returns whether
 * fake credentials were set.
 */
function useEndpoints(region: string, endpoints: LocalStackEndpoints): boolean {
  process.env.AWS_REGION = region;
  process.env.AWS_ENDPOINT_URL_KMS = endpoints.kms;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  process.env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  process.env.AWS_ENDPOINT_URL_S3 = endpoints.s3;
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID) || Boolean(process.env.AWS_PROFILE);
  if (!hasCredentials) Object.assign(process.env, fakeCredentials);
  return !hasCredentials;
}

/**
 * Through clients configured by process.env alone, like the handler's and the CLI's; then,
 * unless left out, the subject-index secret in the registry table
 * (functions/audit/subject-index-secret.ts).
 */
async function createResources(withSubjectIndexSecret: boolean): Promise<LocalStackResources> {
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const s3 = new S3Client({});
  const kms = new KMSClient({});
  try {
    const [tables, queues, payloadBucket, digestBucket, { keys, signingKey }] = await Promise.all([
      createTables(dynamodb, [registryTable, auditTable, consumerTable]),
      createQueues(sqs),
      createPayloadBucket(s3),
      createDigestBucket(s3),
      createKeys(kms),
    ]);
    if (withSubjectIndexSecret) {
      // As the first `providers add --subject-key` does in AWS; a persisted one is kept.
      const subjectIndex = new SubjectIndexSecret({
        dynamodb,
        kms,
        registryTableName: tables[0],
        auditKeyId: keys.audit.keyId,
      });
      await subjectIndex.ensureCreated();
      subjectIndex.clear();
    }
    return {
      tables: { registry: tables[0], audit: tables[1], consumer: tables[2] },
      ...queues,
      payloadBucket,
      digests: { bucket: digestBucket, signingKeyId: signingKey.keyId },
      keys,
    };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
    kms.destroy();
  }
}

/** Creates each missing table; a persisted one is kept as it is, with its items. */
async function createTables<const T extends readonly TableDefinition[]>(
  client: DynamoDBClient,
  definitions: T,
): Promise<{ [K in keyof T]: string }> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
  await Promise.all(
    definitions
      .filter((definition) => !existing.has(definition.localName))
      .map((definition) => createTable(client, definition)),
  );
  return definitions.map((definition) => definition.localName) as { [K in keyof T]: string };
}

/**
 * The dead-letter queue, then the delivery queue redriving to it. `KmsMasterKeyId` names the
 * queue key's alias as in AWS; fauxqs stores it and returns it but encrypts nothing. Exported
 * for a fauxqs started again, which keeps no queues.
 */
export async function createQueues(client: SQSClient) {
  const kmsMasterKeyId = kmsKeys.queue.alias;
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: deadLetterQueue.localName,
      Attributes: {
        ...fifoQueueAttributes(deadLetterQueue),
        MaximumMessageSize: String(deadLetterQueue.maxMessageBytes),
        MessageRetentionPeriod: String(deadLetterQueue.retentionSeconds),
        KmsMasterKeyId: kmsMasterKeyId,
      },
    }),
  );
  const deadLetterQueueUrl = requireField(dlq.QueueUrl, 'CreateQueue QueueUrl');
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const redrivePolicy = {
    deadLetterTargetArn: requireField(Attributes?.QueueArn, 'GetQueueAttributes QueueArn'),
    maxReceiveCount: deliveryQueue.maxReceiveCount,
  };
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: deliveryQueue.localName,
      Attributes: {
        ...fifoQueueAttributes(deliveryQueue),
        MaximumMessageSize: String(deliveryQueue.maxMessageBytes),
        MessageRetentionPeriod: String(deliveryQueue.retentionSeconds),
        VisibilityTimeout: String(deliveryQueue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify(redrivePolicy),
        KmsMasterKeyId: kmsMasterKeyId,
      },
    }),
  );
  return { queueUrl: requireField(queue.QueueUrl, 'CreateQueue QueueUrl'), deadLetterQueueUrl };
}

/** One key per entry of `kmsKeys`; an alias that already exists keeps its key. */
/**
 * The data keys of `kmsKeys` and the audit digests' signing key (ECC P-256), each under its
 * alias; a persisted key is found by its alias and kept.
 */
async function createKeys(
  client: KMSClient,
): Promise<{ keys: Record<KmsKeyName, LocalKey>; signingKey: LocalKey }> {
  const targets = new Map<string, string>();
  for await (const page of paginateListAliases({ client }, {})) {
    for (const alias of page.Aliases ?? []) {
      if (alias.AliasName && alias.TargetKeyId) targets.set(alias.AliasName, alias.TargetKeyId);
    }
  }
  const keyUnder = async (alias: string, create: CreateKeyCommandInput): Promise<LocalKey> => {
    const existing = targets.get(alias);
    if (existing !== undefined) return { alias, keyId: existing };
    const { KeyMetadata } = await client.send(new CreateKeyCommand(create));
    const keyId = requireField(KeyMetadata?.KeyId, 'CreateKey KeyId');
    await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
    return { alias, keyId };
  };
  const names = Object.keys(kmsKeys) as KmsKeyName[];
  const [signingKey, ...keys] = await Promise.all([
    keyUnder(auditDigests.localSigningKeyAlias, {
      Description: 'webhook-ingestion audit digests (local stack)',
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    }),
    ...names.map((name) =>
      keyUnder(kmsKeys[name].alias, { Description: `webhook-ingestion ${name} (local stack)` }),
    ),
  ]);
  return {
    keys: Object.fromEntries(names.map((name, index) => [name, keys[index]])) as Record<
      KmsKeyName,
      LocalKey
    >,
    signingKey: signingKey as LocalKey,
  };
}

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the local stand-in answered without ${what}`);
  return value;
}
