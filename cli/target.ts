/**
 * Which deployment an admin command acts on: `--local` (the stack `npm start` runs, found by
 * its `.local/stack.json`) or `--stack NAME` (a deployed CloudFormation stack, found by its
 * outputs). Either way the SDK clients are created with no endpoint option: locally the
 * standard `AWS_ENDPOINT_URL_*` variables point them at the stand-ins.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { operatorOutputKeys, stackOutputKeys } from '../functions/config/stack-outputs.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
  ProviderAlreadyExistsError,
  ProviderNotFoundError,
  RevisionConflictError,
} from '../functions/registry/errors.ts';
import type { LocalStackDescription } from '../local/stack-file.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from './io.ts';

/** Overrides where `--local` looks for the stack file (tests, or a stack started elsewhere). */
export const stackFileVariable = 'WEBHOOKS_STACK_FILE';

/** Where `npm start` writes the stack file, relative to the working directory. */
export const defaultStackFile = '.local/stack.json';

/** The CloudFormation output keys `--stack` reads, defined once with the construct's outputs. */
export { stackOutputKeys };

export type TargetNames = { readonly [Name in keyof typeof stackOutputKeys]: string };

/** The `--local` / `--stack` / `--region` flags as commander collects them. */
export interface TargetFlags {
  readonly local?: boolean;
  readonly stack?: string;
  readonly region?: string;
}

/** A resolved deployment: its resource names and SDK clients. */
export interface Target {
  readonly names: TargetNames;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  /** For `replay`, which sends to `names.queueUrl`. */
  readonly sqs: SQSClient;
  /**
   * The deployed stack's `WebhookUrlTemplate` output, for `send`.
   * @default - none: the local stack's gateway URL is not in its stack file
   */
  readonly webhookUrlTemplate?: string;
  /** Destroys the clients. */
  close(): void;
}

/** The target cannot be reached as described (no stack file, no such stack, an output missing). */
export class TargetUnavailableError extends UsageError {}

/** Adds `--local`, `--stack` and `--region` to an admin command. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--local', `the local stack \`npm start\` runs (its ${defaultStackFile})`)
    .option('--stack <name>', 'a deployed CloudFormation stack, found by its outputs')
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
    return localTarget(env);
  }
  if (flags.stack !== undefined) return stackTarget(flags.stack, flags.region);
  throw new UsageError('say which deployment: --local (the `npm start` stack) or --stack NAME');
}

async function localTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  const path = resolve(env[stackFileVariable] || defaultStackFile);
  let description: LocalStackDescription;
  try {
    description = JSON.parse(await readFile(path, 'utf8')) as LocalStackDescription;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TargetUnavailableError(
      code === 'ENOENT'
        ? `no local stack: ${path} does not exist; run \`npm start\` first`
        : `cannot read the local stack file ${path} (${code ?? 'not JSON'})`,
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
    close() {
      dynamodb.destroy();
      kms.destroy();
      sqs.destroy();
    },
  };
}

async function stackTarget(stackName: string, region: string | undefined): Promise<Target> {
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
    const name = error instanceof Error ? error.name : 'unknown failure';
    throw new TargetUnavailableError(`cannot describe stack '${stackName}' (${name})`, {
      cause: error,
    });
  } finally {
    cloudFormation.destroy();
  }
  const missing = Object.values(stackOutputKeys).filter((key) => !outputs.has(key));
  if (missing.length > 0) {
    throw new TargetUnavailableError(
      `stack '${stackName}' lacks the outputs ${missing.join(', ')}: is it a webhook-ingestion stack?`,
    );
  }
  const names = Object.fromEntries(
    Object.entries(stackOutputKeys).map(([name, key]) => [name, outputs.get(key)]),
  ) as unknown as TargetNames;
  const dynamodb = new DynamoDBClient(regionOption);
  const kms = new KMSClient(regionOption);
  const sqs = new SQSClient(regionOption);
  const webhookUrlTemplate = outputs.get(operatorOutputKeys.webhookUrlTemplate);
  return {
    names,
    dynamodb,
    kms,
    sqs,
    ...(webhookUrlTemplate === undefined ? {} : { webhookUrlTemplate }),
    close() {
      dynamodb.destroy();
      kms.destroy();
      sqs.destroy();
    },
  };
}

/**
 * Resolves the target, runs `act` on it and closes it. Refusals (not found, already there, a
 * concurrent change) exit 1 and bad input exits 2, each with its message on stderr; anything
 * else (an outage) is thrown on to the program, which reports it with exit code 2.
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
    error instanceof RevisionConflictError
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
