/**
 * `.local/stack.json`: what a running local stack is, for the CLI and scripts to find it.
 * Endpoints, names, URLs and key ids only; never key material or credentials.
 */
import { chmod, rm, writeFile } from 'node:fs/promises';
import { kmsKeys } from '../functions/config/keys.ts';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';

/** Owner read and write only, as for the KMS state file beside it. */
const stackFileMode = 0o600;

export type KmsKeyName = keyof typeof kmsKeys;

export interface LocalStackEndpoints {
  /** For `AWS_ENDPOINT_URL_KMS`. */
  readonly kms: string;
  /** For `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly dynamodb: string;
  /** For `AWS_ENDPOINT_URL_SQS`. */
  readonly sqs: string;
}

export interface LocalKey {
  readonly alias: string;
  readonly keyId: string;
}

export interface LocalStackResources {
  readonly tables: { readonly registry: string; readonly audit: string };
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly keys: Readonly<Record<KmsKeyName, LocalKey>>;
}

/** What `.local/stack.json` holds. */
export interface LocalStackDescription {
  readonly region: string;
  /** Whether tables and keys survive a restart (the queues never do). */
  readonly persist: boolean;
  readonly endpoints: LocalStackEndpoints;
  readonly resources: LocalStackResources;
  /** Every variable the handler, the CLI or the AWS CLI needs, by the names in functions/config. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The variables that point the AWS SDK and CLI, and the project's own code, at the stack. */
export function stackEnvironment(
  region: string,
  endpoints: LocalStackEndpoints,
  resources: LocalStackResources,
): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    [registryTable.nameVariable]: resources.tables.registry,
    [auditTable.nameVariable]: resources.tables.audit,
    [deliveryQueue.urlVariable]: resources.queueUrl,
    [deadLetterQueue.urlVariable]: resources.deadLetterQueueUrl,
    [kmsKeys.secrets.idVariable]: resources.keys.secrets.keyId,
    [kmsKeys.audit.idVariable]: resources.keys.audit.keyId,
    [kmsKeys.queue.idVariable]: resources.keys.queue.keyId,
  };
}

/** Writes the description with mode 0600, also when the file already existed. */
export async function writeStackFile(path: string, description: LocalStackDescription) {
  await writeFile(path, `${JSON.stringify(description, null, 2)}\n`, { mode: stackFileMode });
  await chmod(path, stackFileMode);
}

/** Once the stack is stopped its endpoints are dead: nothing should find them. */
export async function removeStackFile(path: string) {
  await rm(path, { force: true });
}
