/**
 * `webhooks providers add` refuses a provider whose scheme would read a credential from a header
 * the deployment does not treat as one (issue 16, point 5): the WAF would log it in clear. A
 * deployed stack names its headers in its `CredentialHeaders` output; the local stack takes the
 * catalog's and any its file declares, and `npm start` declares none.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stackFileVariable, stackOutputKeys } from '../../cli/target.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { deploymentCredentialHeaders } from '../../infra/credential-headers.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, tempFiles } from './helpers.ts';
import { mockedStackClients } from './stack-clients.ts';

let admin: AdminStack;

beforeAll(async () => {
  admin = await startAdminStack();
}, startBudgetMs);

afterAll(() => admin?.close());

const registry = () =>
  new ProviderRegistryStore({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.registry,
  });

/** `providers add ID` of a static provider whose key is the whole value of `header`. */
const addStatic = (id: string, header: string, target: readonly string[]) =>
  cli(
    [
      'providers',
      'add',
      id,
      '--scheme',
      'static',
      '--option',
      'mode=header',
      '--option',
      `header=${header}`,
      '--secret-stdin',
      ...target,
    ],
    'a-shared-key-0123456789',
  );

describe('providers add --local', () => {
  it('refuses a credential header outside the catalog, saying the local stack declares none, registering nothing', async () => {
    const added = await addStatic('hook-local', 'X-Webhook-Key', ['--local']);
    expect(added.code).toBe(1);
    expect(added.stdout).toBe('');
    expect(added.stderr).toBe(
      `error: provider 'hook-local' (scheme static) would read a credential from header X-Webhook-Key, which the local stack does not treat as a credential header: it declares none beyond the catalog's (docs/cli.md, "Credential headers"). On a deployed stack, declare it on the construct (new WebhookIngestion(scope, id, { credentialHeaders: ['X-Webhook-Key'] })), deploy, then add the provider again\n`,
    );
    expect(await registry().get('hook-local')).toBeUndefined();
  });

  it("accepts the catalog's credential headers, whatever their case", async () => {
    const basic = await addStatic('hook-authorization', 'authorization', ['--local']);
    expect(basic).toMatchObject({ code: 0, stderr: '' });
    const gitlab = await cli(
      ['providers', 'add', 'gitlab-local', '--scheme', 'gitlab', '--secret-stdin', '--local'],
      'gitlab-token-0123456789',
    );
    expect(gitlab).toMatchObject({ code: 0, stderr: '' });
  });

  it('accepts a header the stack file declares', async () => {
    const description = JSON.parse(await readFile(admin.stack.stackFile, 'utf8'));
    const files = tempFiles({
      'stack.json': JSON.stringify({ ...description, credentialHeaders: ['X-Webhook-Key'] }),
    });
    vi.stubEnv(stackFileVariable, files['stack.json'] as string);
    try {
      const added = await addStatic('hook-declared', 'x-webhook-key', ['--local']);
      expect(added).toMatchObject({ code: 0, stderr: '' });
      expect((await registry().get('hook-declared'))?.options).toMatchObject({
        header: 'x-webhook-key',
      });
    } finally {
      vi.stubEnv(stackFileVariable, admin.stack.stackFile);
    }
  });

  it('exits 2 when the stack file declares something that is no header', async () => {
    const description = JSON.parse(await readFile(admin.stack.stackFile, 'utf8'));
    const files = tempFiles({
      'stack.json': JSON.stringify({ ...description, credentialHeaders: ['X Webhook Key'] }),
    });
    const path = join(files.folder as string, 'stack.json');
    vi.stubEnv(stackFileVariable, path);
    try {
      const added = await addStatic('hook-bad-file', 'X-Webhook-Key', ['--local']);
      expect(added.code).toBe(2);
      expect(added.stderr).toBe(
        `error: the local stack file ${path}: credentialHeaders must list HTTP header names\n`,
      );
    } finally {
      vi.stubEnv(stackFileVariable, admin.stack.stackFile);
    }
  });
});

describe('providers add --stack', () => {
  const { cloudFormation } = mockedStackClients('arn:aws:iam::123456789012:user/ops');

  /** The stack's outputs, with `CredentialHeaders` as given (none when undefined). */
  const describeStack = (credentialHeaders: string | undefined) => {
    const { resources } = admin.stack;
    const values = {
      registryTableName: resources.tables.registry,
      auditTableName: resources.tables.audit,
      queueUrl: resources.queueUrl,
      secretsKeyId: resources.keys.secrets.keyId,
      auditKeyId: resources.keys.audit.keyId,
    };
    const outputs = Object.entries(stackOutputKeys).map(([name, key]) => ({
      OutputKey: key,
      OutputValue: values[name as keyof typeof values],
    }));
    cloudFormation.on(DescribeStacksCommand, { StackName: 'webhooks-prod' }).resolves({
      Stacks: [
        {
          StackName: 'webhooks-prod',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            ...outputs,
            ...(credentialHeaders === undefined
              ? []
              : [
                  {
                    OutputKey: operatorOutputKeys.credentialHeaders,
                    OutputValue: credentialHeaders,
                  },
                ]),
          ],
        },
      ],
    });
  };
  const onStack = ['--stack', 'webhooks-prod', '--region', 'us-east-1'];

  it('accepts a header the construct declares, as its CredentialHeaders output lists it', async () => {
    describeStack(deploymentCredentialHeaders(['X-Webhook-Key']).join(','));
    const added = await addStatic('hook-stack', 'X-Webhook-Key', onStack);
    expect(added).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a header the output does not list, saying how to declare it', async () => {
    describeStack(deploymentCredentialHeaders().join(','));
    const added = await addStatic('hook-undeclared', 'X-Webhook-Key', onStack);
    expect(added.code).toBe(1);
    expect(added.stderr).toBe(
      `error: provider 'hook-undeclared' (scheme static) would read a credential from header X-Webhook-Key, which stack 'webhooks-prod' does not treat as a credential header, so its WAF would log it in clear: declare it on the construct (new WebhookIngestion(scope, id, { credentialHeaders: ['X-Webhook-Key'] })), deploy, then add the provider again\n`,
    );
    expect(await registry().get('hook-undeclared')).toBeUndefined();
  });

  it('refuses a catalog header a stack from an older catalog does not redact, asking for a deployment first', async () => {
    describeStack('authorization,stripe-signature');
    const added = await cli(
      ['providers', 'add', 'gitlab-old-stack', '--scheme', 'gitlab', '--secret-stdin', ...onStack],
      'gitlab-token-0123456789',
    );
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(
      "would read a credential from header X-Gitlab-Token, which stack 'webhooks-prod' does not treat as a credential header: the stack was deployed from a version whose catalog lacks it",
    );
    expect(await registry().get('gitlab-old-stack')).toBeUndefined();
  });

  it('takes the catalog of this CLI for a stack deployed before the output', async () => {
    describeStack(undefined);
    const gitlab = await cli(
      ['providers', 'add', 'gitlab-stack', '--scheme', 'gitlab', '--secret-stdin', ...onStack],
      'gitlab-token-0123456789',
    );
    expect(gitlab).toMatchObject({ code: 0, stderr: '' });
    const custom = await addStatic('hook-no-output', 'X-Webhook-Key', onStack);
    expect(custom.code).toBe(1);
  });
});
