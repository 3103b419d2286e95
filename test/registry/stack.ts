/**
 * DynamoDB Local and the KMS stand-in for the registry's integration tests, reached by real
 * SDK clients through the standard endpoint variables only, with the registry table and a
 * secrets CMK (and its alias) created.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { vi } from 'vitest';
import { registryTable } from '../../functions/config/tables.ts';
import { startDynamoDbLocal } from '../../local/dynamodb.ts';
import { startKmsStandIn } from '../../local/kms/server.ts';
import { createTable } from '../../local/tables.ts';

export const secretsKeyAlias = 'alias/webhooks/provider-secrets';

/** A JVM takes a few seconds to start; 30 s is the budget for the whole local stack. */
export const startBudgetMs = 30_000;

export interface RegistryStack {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly tableName: string;
  /** Stops DynamoDB Local; later calls fail as in an outage. */
  stopDynamoDb(): Promise<void>;
  /** Stops the KMS stand-in; later calls fail as in an outage. */
  stopKms(): Promise<void>;
  close(): Promise<void>;
}

export async function startRegistryStack(): Promise<RegistryStack> {
  const [dynamoDbLocal, kmsStandIn] = await Promise.all([startDynamoDbLocal(), startKmsStandIn()]);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoDbLocal.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_KMS', kmsStandIn.url);
  vi.stubEnv('AWS_REGION', kmsStandIn.region);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  // Outages should fail fast in tests: one retry, not the default two.
  vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  await createTable(dynamodb, registryTable);
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
  await kms.send(
    new CreateAliasCommand({ AliasName: secretsKeyAlias, TargetKeyId: KeyMetadata?.KeyId }),
  );
  const once = (stop: () => Promise<void>) => {
    let stopped: Promise<void> | undefined;
    return () => {
      stopped ??= stop();
      return stopped;
    };
  };
  const stopDynamoDb = once(() => dynamoDbLocal.stop());
  const stopKms = once(() => kmsStandIn.close());
  return {
    dynamodb,
    kms,
    tableName: registryTable.localName,
    stopDynamoDb,
    stopKms,
    async close() {
      dynamodb.destroy();
      kms.destroy();
      await Promise.all([stopDynamoDb(), stopKms()]);
      vi.unstubAllEnvs();
    },
  };
}

/** The names of the commands a client sends from now on, counted by an SDK middleware. */
export function recordCommands(client: DynamoDBClient | KMSClient): string[] {
  const commands: string[] = [];
  (client as DynamoDBClient).middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize' },
  );
  return commands;
}

/**
 * A clock the test moves by hand. It starts far in the future on purpose: DynamoDB Local
 * deletes items whose TTL has passed by the real clock, so records and markers stamped with
 * a past date would vanish from under the test.
 */
export function manualClock(startIso = '2099-03-01T12:00:00.000Z') {
  let nowMs = Date.parse(startIso);
  return {
    now: () => nowMs,
    advanceSeconds(seconds: number) {
      nowMs += seconds * 1000;
    },
  };
}
