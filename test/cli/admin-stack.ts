/**
 * The local stack `npm start` runs, started in a temporary state directory for the admin
 * commands' tests; `--local` finds its stack file through WEBHOOKS_STACK_FILE.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { stackFileVariable } from '../../cli/target.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/** A JVM start plus provisioning. */
export const startBudgetMs = 30_000;

/** Every variable the stack and `--local` set, stubbed first so that unstubAllEnvs restores them. */
const stackVariables = [
  'AWS_REGION',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
  'REGISTRY_TABLE_NAME',
  'AUDIT_TABLE_NAME',
  'QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'SECRETS_KEY_ID',
  'AUDIT_KEY_ID',
  'QUEUE_KEY_ID',
];

export interface AdminStack {
  readonly stack: LocalStack;
  close(): Promise<void>;
}

export async function startAdminStack(): Promise<AdminStack> {
  for (const name of stackVariables) vi.stubEnv(name, undefined);
  const stateDirectory = await mkdtemp(join(tmpdir(), 'webhooks-cli-stack-'));
  const stack = await startLocalStack({ stateDirectory });
  vi.stubEnv(stackFileVariable, stack.stackFile);
  return {
    stack,
    async close() {
      await stack.stop();
      await rm(stateDirectory, { recursive: true, force: true });
      vi.unstubAllEnvs();
    },
  };
}
