/**
 * Which deployment an admin command acts on: `--local` (the stack `npm start` runs, found by
 * its `.local/stack.json`) or `--stack NAME` (a deployed CloudFormation stack, found by its
 * outputs), with `--instance NAME` for one of several WebhookIngestion instances in it. Either way the SDK clients are created with no endpoint option: locally the
 * standard `AWS_ENDPOINT_URL_*` variables point them at the stand-ins.
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { createSealer, type Sealer } from '../functions/audit/record-seal.ts';
import { type DigestTiming, digestTimingFrom } from '../functions/config/audit-digests.ts';
import { InvalidSettingError } from '../functions/config/errors.ts';
import { configCacheSeconds, configCacheSecondsFrom } from '../functions/config/limits.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
  ProviderAlreadyExistsError,
  ProviderNotFoundError,
  RevisionConflictError,
} from '../functions/registry/errors.ts';
import {
  deploymentCredentialHeaders,
  parseCredentialHeaders,
} from '../infra/credential-headers.ts';
import {
  instanceOutputKey,
  instancesInOutputs,
  operatorOutputKeys,
  stackOutputKeys,
} from '../infra/output-names.ts';
import {
  describeRecordedProcess,
  type LocalStackDescription,
  readStackFile,
  recordedProcessRuns,
} from '../local/stack-file.ts';
import packageJson from '../package.json' with { type: 'json' };
import { type ExitCode, exitCodes, type Io, UsageError } from './io.ts';
import { UnboundSettingsError } from './settings-binding.ts';

/** Overrides where `--local` looks for the stack file (tests, or a stack started elsewhere). */
export const stackFileVariable = 'WEBHOOKS_STACK_FILE';

/** Where `npm start` writes the stack file, relative to the folder it runs in (the project's). */
export const defaultStackFile = '.local/stack.json';

/** The CloudFormation output keys `--stack` reads, defined once with the construct's outputs. */
export { stackOutputKeys };

export type TargetNames = { readonly [Name in keyof typeof stackOutputKeys]: string };

/** The `--local` / `--stack` / `--region` flags as commander collects them. */
export interface TargetFlags {
  readonly local?: boolean;
  readonly stack?: string;
  readonly region?: string;
  /** The `instanceName` of one WebhookIngestion of the stack, whose outputs it prefixes. */
  readonly instance?: string;
}

/** A resolved deployment: its resource names and SDK clients. */
export interface Target {
  readonly names: TargetNames;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  /** For `replay`, which sends to `names.queueUrl`. */
  readonly sqs: SQSClient;
  /** For `audit erase`, which deletes bodies from the payload bucket. */
  readonly s3: S3Client;
  /**
   * The payload bucket. @default - none: a stack deployed before the bucket existed has none
   */
  readonly payloadBucketName?: string;
  /**
   * Where the audit trail's signed digests are kept, and the key that signs them.
   * @default - none: a deployment from before digests has none
   */
  readonly digests?: DigestTarget;
  /**
   * For `send`: the deployed stack's `WebhookUrlTemplate` output, or the local gateway's URL.
   * @default - none: a local stack started without a gateway
   */
  readonly webhookUrlTemplate?: string;
  /**
   * The request headers the deployment treats as carrying a credential, in lower case
   * (infra/credential-headers.ts): a deployed stack's `CredentialHeaders` output, what its WAF
   * redacts; for the local stack, the catalog's and any its file declares (`npm start` declares
   * none). `providers add` refuses a provider that would read a credential from any other.
   * @default - unknown, for a stack deployed before the output: this CLI's catalog decides
   */
  readonly credentialHeaders?: readonly string[];
  /**
   * How long the deployment's ingest functions cache a provider's settings, and so how long
   * after a registry write they may still act on what it replaced: the local stack's
   * recorded override, else `configCacheSeconds` (functions/config/limits.ts).
   */
  readonly configCacheSeconds: number;
  /** Destroys the clients. */
  close(): void;
}

/** The digest bucket and the signing key (its id, ARN or alias) of a deployment. */
export interface DigestTarget {
  readonly bucket: string;
  readonly signingKeyId: string;
  /** The local stack's recorded timing. @default - the construct's (`auditDigests`) */
  readonly timing?: DigestTiming;
}

/** The target cannot be reached as described (no stack file, no such stack, an output missing). */
export class TargetUnavailableError extends UsageError {}

/**
 * Now by AWS's clock, for what the CLI stamps into the audit trail (admin records, erasures,
 * receipts): the SDK measures the offset from the `Date` header of each DynamoDB answer. An
 * operator's clock minutes off would otherwise file a record into a period whose digest is
 * already written (`unexpected`), or date an erasure before the records it erased.
 */
export function awsNow(target: Pick<Target, 'dynamodb'>, nowMs: number = Date.now()): number {
  const offset = target.dynamodb.config.systemClockOffset ?? 0;
  return Math.abs(offset) > maxTrustedClockOffsetMs ? nowMs + offset : nowMs;
}

/**
 * Within a minute the local clock is kept: the Date header has whole seconds, and the erasure
 * store never dates an erasure before what it erases (ops/erasure/erasure-store.ts).
 */
const maxTrustedClockOffsetMs = 60_000;

/**
 * What the operator's admin records and erasure receipts are sealed with: data keys of the
 * audit key under the operator's context (functions/audit/record-seal.ts), one per command.
 */
export function operatorSealerOf(target: Target): Sealer {
  return createSealer({ kms: target.kms, keyId: target.names.auditKeyId, writer: 'operator' });
}

/** Adds `--local`, `--stack`, `--instance` and `--region` to an admin command. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--local', `the local stack \`npm start\` runs (its ${defaultStackFile})`)
    .option('--stack <name>', 'a deployed CloudFormation stack, found by its outputs')
    .option(
      '--instance <name>',
      "with --stack: the instanceName of one of the stack's webhook-ingestion instances (default: its only or its unnamed one)",
    )
    .option('--region <region>', "the deployed stack's region (default: the SDK's)");
}

/**
 * Resolves exactly one of `--local` and `--stack`; throws UsageError otherwise. `--local`
 * sets the stack's endpoint variables in `env`, for the clients to find.
 */
export async function resolveTarget(
  flags: TargetFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target> {
  if (flags.local === true && flags.stack !== undefined) {
    throw new UsageError('give either --local or --stack, not both');
  }
  if (flags.local === true) {
    if (flags.region !== undefined) throw new UsageError('--region goes with --stack only');
    if (flags.instance !== undefined) throw new UsageError('--instance goes with --stack only');
    return localTarget(env);
  }
  if (flags.stack !== undefined) return stackTarget(flags.stack, flags.region, flags.instance);
  throw new UsageError('say which deployment: --local (the `npm start` stack) or --stack NAME');
}

/**
 * The stack file `--local` reads: WEBHOOKS_STACK_FILE, else the nearest `.local/stack.json` from
 * `cwd` up, looking no higher than the project root (the folder of this project's package.json):
 * a command run in a subfolder finds the stack `npm start` runs at the root.
 */
export async function localStackFile(
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): Promise<string> {
  const override = env[stackFileVariable];
  if (override) return resolve(override);
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const candidate = join(folder, defaultStackFile);
    if ((await exists(candidate)) || (await isProjectRoot(folder))) return candidate;
    // Outside any checkout: name the file where `npm start` from here would write it.
    if (dirname(folder) === folder) return resolve(cwd, defaultStackFile);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function isProjectRoot(folder: string): Promise<boolean> {
  try {
    const { name } = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'));
    return name === packageJson.name;
  } catch {
    return false;
  }
}

async function localTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  const path = await localStackFile(env);
  let description: LocalStackDescription | undefined;
  try {
    description = await readStackFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TargetUnavailableError(
      `cannot read the local stack file ${path} (${code ?? 'not JSON'})`,
    );
  }
  if (description === undefined) {
    throw new TargetUnavailableError(
      `no local stack: ${path} does not exist; run \`npm start\` first`,
    );
  }
  if (!recordedProcessRuns(description)) {
    throw new TargetUnavailableError(
      `the local stack recorded in ${path} (${describeRecordedProcess(description)}) is not running (it may have crashed); run \`npm start\``,
    );
  }
  // Headers declared as credentials beyond the catalog's (`npm start` records none).
  const declared = parseCredentialHeaders(
    (description as { readonly credentialHeaders?: unknown }).credentialHeaders ?? [],
  );
  if (declared === undefined) {
    throw new TargetUnavailableError(
      `the local stack file ${path}: credentialHeaders must list HTTP header names`,
    );
  }
  const { environment, resources } = description;
  // Endpoints, region and names only: the file holds no credentials.
  for (const [name, value] of Object.entries(environment ?? {})) env[name] = value;
  // The stand-ins ignore signatures, but the SDK refuses to sign without credentials.
  if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
    env.AWS_ACCESS_KEY_ID = 'local';
    env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  const sqs = new SQSClient({});
  const s3 = new S3Client({});
  const { webhookUrlTemplate } = description;
  const { payloadBucket, digests } = resources;
  return {
    names: {
      registryTableName: resources.tables.registry,
      auditTableName: resources.tables.audit,
      queueUrl: resources.queueUrl,
      secretsKeyId: resources.keys.secrets.keyId,
      auditKeyId: resources.keys.audit.keyId,
    },
    dynamodb,
    kms,
    sqs,
    s3,
    ...(payloadBucket === undefined ? {} : { payloadBucketName: payloadBucket }),
    ...(digests === undefined
      ? {}
      : { digests: { ...digests, timing: recordedDigestTiming(environment ?? {}, path) } }),
    ...(webhookUrlTemplate === undefined ? {} : { webhookUrlTemplate }),
    credentialHeaders: deploymentCredentialHeaders(declared),
    configCacheSeconds: recordedConfigCacheSeconds(environment ?? {}, path),
    close() {
      dynamodb.destroy();
      kms.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}

/** The digest timing the local stack runs with (`auditDigests.local`, recorded in its file). */
function recordedDigestTiming(environment: Readonly<Record<string, string>>, path: string) {
  try {
    return digestTimingFrom(environment);
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    throw new TargetUnavailableError(`the local stack file ${path}: ${error.message}`, {
      cause: error,
    });
  }
}

/** The cache time the local handler runs with: `npm start` records an override it was given. */
function recordedConfigCacheSeconds(environment: Readonly<Record<string, string>>, path: string) {
  try {
    return configCacheSecondsFrom(environment);
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    throw new TargetUnavailableError(`the local stack file ${path}: ${error.message}`, {
      cause: error,
    });
  }
}

/**
 * The output-key prefix of the instance `--instance` names among the stack's (infra/outputs.ts):
 * without it, the stack's only instance, else its unnamed one, which every stack from before
 * instances has, so that adding a named instance to a stack breaks no script that names the
 * stack alone. Several named ones and no unnamed one need `--instance`, listed in the refusal.
 */
export function chooseInstance(
  stackName: string,
  outputKeys: Iterable<string>,
  instance: string | undefined,
): string {
  const instances = instancesInOutputs(outputKeys);
  const listed = instances.map((name) => (name === '' ? '(unnamed)' : name)).join(', ');
  if (instance !== undefined) {
    if (instance !== '' && instances.includes(instance)) return instance;
    throw new TargetUnavailableError(
      instances.length === 0
        ? `stack '${stackName}' has no webhook-ingestion instance: is it a webhook-ingestion stack?`
        : `stack '${stackName}' has no instance '${instance}': it holds ${listed}`,
    );
  }
  if (instances.includes('')) return '';
  if (instances.length <= 1) return instances[0] ?? '';
  throw new UsageError(
    `stack '${stackName}' holds several webhook-ingestion instances (${listed}): say which with --instance NAME`,
  );
}

async function stackTarget(
  stackName: string,
  region: string | undefined,
  instance: string | undefined,
): Promise<Target> {
  const regionOption = region === undefined ? {} : { region };
  const cloudFormation = new CloudFormationClient(regionOption);
  let outputs: Map<string, string>;
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = new Map(
      (Stacks?.[0]?.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    const where = region ?? (await cloudFormation.config.region().catch(() => undefined));
    throw new TargetUnavailableError(describeStackFailure(stackName, where, error), {
      cause: error,
    });
  } finally {
    cloudFormation.destroy();
  }
  const prefix = chooseInstance(stackName, outputs.keys(), instance);
  const output = (key: string) => outputs.get(instanceOutputKey(key, prefix || undefined));
  const missing = Object.values(stackOutputKeys)
    .map((key) => instanceOutputKey(key, prefix || undefined))
    .filter((key) => !outputs.has(key));
  if (missing.length > 0) {
    throw new TargetUnavailableError(
      `stack '${stackName}' lacks the outputs ${missing.join(', ')}: is it a webhook-ingestion stack?`,
    );
  }
  const names = Object.fromEntries(
    Object.entries(stackOutputKeys).map(([name, key]) => [name, output(key)]),
  ) as unknown as TargetNames;
  const dynamodb = new DynamoDBClient(regionOption);
  const kms = new KMSClient(regionOption);
  const sqs = new SQSClient(regionOption);
  const s3 = new S3Client(regionOption);
  const webhookUrlTemplate = output(operatorOutputKeys.webhookUrlTemplate);
  const payloadBucketName = output(operatorOutputKeys.payloadBucketName);
  const digestBucket = output(operatorOutputKeys.digestBucketName);
  const signingKeyId = output(operatorOutputKeys.digestSigningKeyArn);
  // A value that lists no header names is no list: the CLI's catalog decides, as without one.
  const credentialHeaders = parseCredentialHeaders(output(operatorOutputKeys.credentialHeaders));
  return {
    names,
    dynamodb,
    kms,
    sqs,
    s3,
    ...(payloadBucketName === undefined ? {} : { payloadBucketName }),
    ...(digestBucket === undefined || signingKeyId === undefined
      ? {}
      : { digests: { bucket: digestBucket, signingKeyId } }),
    ...(webhookUrlTemplate === undefined ? {} : { webhookUrlTemplate }),
    ...(credentialHeaders === undefined ? {} : { credentialHeaders }),
    // The construct sets no override, so the deployed functions use the default.
    configCacheSeconds,
    close() {
      dynamodb.destroy();
      kms.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}

/** What went wrong describing a stack, and what to do about it. */
function describeStackFailure(stackName: string, region: string | undefined, error: unknown) {
  if (!(error instanceof Error)) return `cannot describe stack '${stackName}' (${String(error)})`;
  if (error.name === 'CredentialsProviderError') {
    return `cannot describe stack '${stackName}': no AWS credentials found (${error.message}); configure them: aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  // CloudFormation's only signal for an unknown name: "Stack with id X does not exist".
  if (error.name === 'ValidationError' && /does not exist/.test(error.message)) {
    return `stack '${stackName}' does not exist in ${region ?? 'the default region'}: check the name (aws cloudformation list-stacks) and --region`;
  }
  return `cannot describe stack '${stackName}' (${error.name}: ${error.message})`;
}

/** Whether a connection was refused somewhere in the error's causes: nothing listens there. */
function refusedConnection(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/**
 * Resolves the target, runs `act` on it and closes it. Refusals (not found, already there, a
 * concurrent change) exit 1 and bad input exits 2, each with its message on stderr, as does a
 * local stack that does not answer; anything else (an outage) is thrown on to the program,
 * which reports it with exit code 2.
 */
export async function withTarget(
  flags: TargetFlags,
  io: Io,
  act: (target: Target) => Promise<ExitCode>,
): Promise<ExitCode> {
  let target: Target | undefined;
  try {
    target = await resolveTarget(flags);
    return await act(target);
  } catch (error) {
    // The stack file names a process that runs, but its stand-ins do not answer.
    if (flags.local === true && error instanceof Error && refusedConnection(error)) {
      io.stderr(
        `error: the local stack recorded in ${await localStackFile(process.env)} is not answering (${error.message}): it may have stopped or crashed; run \`npm start\`\n`,
      );
      return exitCodes.usage;
    }
    const code = exitCodeOf(error);
    if (code === undefined || !(error instanceof Error)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return code;
  } finally {
    target?.close();
  }
}

function exitCodeOf(error: unknown): ExitCode | undefined {
  if (
    error instanceof ProviderNotFoundError ||
    error instanceof ProviderAlreadyExistsError ||
    error instanceof RevisionConflictError ||
    error instanceof UnboundSettingsError
  ) {
    return exitCodes.rejected;
  }
  if (
    error instanceof UsageError ||
    error instanceof InvalidProviderIdError ||
    error instanceof InvalidProviderConfigError
  ) {
    return exitCodes.usage;
  }
  return undefined;
}
