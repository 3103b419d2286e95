/**
 * `.local/stack.json`: what a running local stack is, for the CLI and scripts to find it.
 * Endpoints, names, URLs and key ids only; never key material or credentials.
 */

import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { payloadBucket } from '../functions/config/buckets.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { configCacheSecondsFrom, configCacheSecondsVariable } from '../functions/config/limits.ts';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';
import { auditTable, consumerTable, registryTable } from '../functions/config/tables.ts';

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
  /** For `AWS_ENDPOINT_URL_S3`: fauxqs's, as for SQS. */
  readonly s3: string;
}

export interface LocalKey {
  readonly alias: string;
  readonly keyId: string;
}

export interface LocalStackResources {
  readonly tables: {
    readonly registry: string;
    readonly audit: string;
    /** The consumer's table (consumer/run-once.ts). @default - absent from an older file */
    readonly consumer?: string;
  };
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** The payload bucket's name. @default - absent from a file written before it existed */
  readonly payloadBucket?: string;
  /**
   * The audit digests' bucket and signing key (ops/integrity/).
   * @default - absent from an older file
   */
  readonly digests?: { readonly bucket: string; readonly signingKeyId: string };
  readonly keys: Readonly<Record<KmsKeyName, LocalKey>>;
}

/** What `.local/stack.json` holds. */
export interface LocalStackDescription {
  readonly region: string;
  /** Whether tables and keys survive a restart (the queues and the payload bucket never do). */
  readonly persist: boolean;
  readonly endpoints: LocalStackEndpoints;
  readonly resources: LocalStackResources;
  /** Every variable the handler, the CLI or the AWS CLI needs, by the names in functions/config. */
  readonly environment: Readonly<Record<string, string>>;
  /** The process running the stack (`npm start`'s): whether it still runs tells a crash apart. */
  readonly pid: number;
  /** When that process started the stack, ISO 8601. */
  readonly startedAt: string;
  /**
   * The gateway's webhook URL with `{providerId}` left in, for `webhooks send --local`.
   * @default - none until a gateway listens in front of the stack (`npm start` records it)
   */
  readonly webhookUrlTemplate?: string;
}

/** Who wrote a stack file: only that process may remove it. */
export type StackFileOwner = Pick<LocalStackDescription, 'pid' | 'startedAt'>;

/** The variables that point the AWS SDK and CLI, and the project's own code, at the stack. */
export function stackEnvironment(
  region: string,
  endpoints: LocalStackEndpoints,
  resources: LocalStackResources,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  // Recorded only when set (and checked now, not at the first delivery): `--local` reads the
  // handler's cache time from here to say when a provider change holds.
  const cacheSeconds = env[configCacheSecondsVariable]
    ? { [configCacheSecondsVariable]: String(configCacheSecondsFrom(env)) }
    : {};
  return {
    ...cacheSeconds,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    [registryTable.nameVariable]: resources.tables.registry,
    [auditTable.nameVariable]: resources.tables.audit,
    ...(resources.tables.consumer === undefined
      ? {}
      : { [consumerTable.nameVariable]: resources.tables.consumer }),
    [deliveryQueue.urlVariable]: resources.queueUrl,
    [deadLetterQueue.urlVariable]: resources.deadLetterQueueUrl,
    ...(resources.payloadBucket === undefined
      ? {}
      : { [payloadBucket.nameVariable]: resources.payloadBucket }),
    ...(resources.digests === undefined
      ? {}
      : {
          [auditDigests.bucketVariable]: resources.digests.bucket,
          [auditDigests.signingKeyVariable]: resources.digests.signingKeyId,
          [auditDigests.periodVariable]: String(auditDigests.local.periodSeconds),
          [auditDigests.settleVariable]: String(auditDigests.local.settleSeconds),
        }),
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

/** The stack file at `path`, or `undefined` when there is none; throws when it is unreadable. */
export async function readStackFile(path: string): Promise<LocalStackDescription | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as LocalStackDescription;
}

/**
 * Whether the process a stack file names still runs. Signal 0 only checks: EPERM means it runs
 * under another user. A file without a pid (written before pids were recorded) counts as not.
 */
export function recordedProcessRuns(description: Partial<StackFileOwner>): boolean {
  if (typeof description.pid !== 'number') return false;
  try {
    process.kill(description.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `pid 1234, started 2026-…` for messages; either part may be missing from an old file. */
export function describeRecordedProcess(description: Partial<StackFileOwner>): string {
  return `pid ${description.pid ?? 'unrecorded'}, started ${description.startedAt ?? 'at an unrecorded time'}`;
}

/**
 * Once the stack is stopped its endpoints are dead: nothing should find them. Only the file
 * `owner` wrote is removed: a start that failed must leave another stack's file alone.
 */
export async function removeStackFile(path: string, owner: StackFileOwner) {
  const current = await readStackFile(path).catch(() => undefined);
  if (current?.pid !== owner.pid || current.startedAt !== owner.startedAt) return;
  await rm(path, { force: true });
}
