/**
 * The ingest path's stand-ins: DynamoDB Local (registry and audit tables), the KMS stand-in
 * (secrets and audit CMKs, under their aliases) and fauxqs (the delivery queue), all created
 * from functions/config and reached by real SDK clients through the standard endpoint
 * variables only. SQS can be stopped and started again on the same port, as in an outage.
 */
import { createHmac } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { vi } from 'vitest';
import { SubjectIndexSecret } from '../../functions/audit/subject-index-secret.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import type { HttpApiEvent } from '../../functions/ingest/http-event.ts';
import type { ProviderSettings } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { startDynamoDbLocal } from '../../local/dynamodb.ts';
import { startKmsStandIn } from '../../local/kms/server.ts';
import type { LocalService } from '../../local/ports.ts';
import { startSqsLocal } from '../../local/sqs.ts';
import { createTable } from '../../local/tables.ts';

export interface IngestStack {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Every message now in the queue, deleted as read. */
  drainQueue(): Promise<string[]>;
  stopSqs(): Promise<void>;
  /** Starts fauxqs again on the same port, with the queue created again (fauxqs keeps nothing). */
  restartSqs(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Registers a provider with one secret, encrypted under the secrets key, as the CLI does; with
 * a subject key, the subject-index secret first, as `providers add --subject-key` does.
 */
export async function registerProvider(
  stack: IngestStack,
  providerId: string,
  secret: string,
  scheme: SchemeName = 'stripe',
  settings: Partial<Omit<ProviderSettings, 'providerId' | 'scheme'>> = {},
): Promise<void> {
  const registry = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: registryTable.localName,
  });
  const ciphertext = await encryptProviderKey({
    kms: stack.kms,
    keyId: kmsKeys.secrets.alias,
    providerId,
    value: secret,
  });
  if (settings.subjectKeyPath !== undefined) {
    await new SubjectIndexSecret({
      dynamodb: stack.dynamodb,
      kms: stack.kms,
      registryTableName: registryTable.localName,
      auditKeyId: kmsKeys.audit.alias,
    }).ensureCreated();
  }
  await registry.create({
    ...settings,
    providerId,
    scheme,
    keys: [{ kind: 'secret', ciphertext }],
  });
}

export async function startIngestStack(): Promise<IngestStack> {
  const [dynamoDbLocal, kmsStandIn] = await Promise.all([startDynamoDbLocal(), startKmsStandIn()]);
  let sqsLocal: LocalService = await startSqsLocal();
  const sqsPort = Number(new URL(sqsLocal.endpoint).port);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoDbLocal.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_KMS', kmsStandIn.url);
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsLocal.endpoint);
  vi.stubEnv('AWS_REGION', kmsStandIn.region);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  // Outages should fail fast in tests: one retry, not the default two.
  vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  const sqs = new SQSClient({});
  await Promise.all([createTable(dynamodb, registryTable), createTable(dynamodb, auditTable)]);
  for (const { alias } of [kmsKeys.secrets, kmsKeys.audit]) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId }));
  }
  const createQueue = async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: deliveryQueue.localName }),
    );
    return String(QueueUrl);
  };
  const queueUrl = await createQueue();
  vi.stubEnv(registryTable.nameVariable, registryTable.localName);
  vi.stubEnv(auditTable.nameVariable, auditTable.localName);
  vi.stubEnv(deliveryQueue.urlVariable, queueUrl);
  vi.stubEnv(kmsKeys.secrets.idVariable, kmsKeys.secrets.alias);
  vi.stubEnv(kmsKeys.audit.idVariable, kmsKeys.audit.alias);
  return {
    dynamodb,
    kms,
    sqs,
    queueUrl,
    async drainQueue() {
      const bodies: string[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
        );
        if (Messages.length === 0) return bodies;
        for (const message of Messages) {
          bodies.push(String(message.Body));
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    },
    stopSqs: () => sqsLocal.stop(),
    async restartSqs() {
      sqsLocal = await startSqsLocal({ port: sqsPort });
      await createQueue();
    },
    async close() {
      for (const client of [dynamodb, kms, sqs]) client.destroy();
      await Promise.all([dynamoDbLocal.stop(), kmsStandIn.close(), sqsLocal.stop()]);
      vi.unstubAllEnvs();
    },
  };
}

let requestCounter = 0;

/** An HTTP API event for `POST /v1/webhooks/<providerId>`, signed as Stripe signs. */
export function stripeDelivery(
  providerId: string,
  secret: string,
  body: string,
  overrides: Partial<HttpApiEvent> = {},
): HttpApiEvent {
  requestCounter += 1;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    version: '2.0',
    rawPath: `/v1/webhooks/${providerId}`,
    rawQueryString: '',
    headers: {
      host: 'hooks.example.com',
      'content-type': 'application/json',
      'stripe-signature': `t=${timestamp},v1=${signature}`,
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    pathParameters: { providerId },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${requestCounter}`,
      domainName: 'hooks.example.com',
      http: {
        method: 'POST',
        sourceIp: '203.0.113.7',
        userAgent: 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
    },
    ...overrides,
  };
}
