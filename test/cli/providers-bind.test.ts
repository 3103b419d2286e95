/**
 * The operator's side of key binding (cli/settings-binding.ts): a rotation refuses to bind a new
 * key to settings changed without KMS, and `providers bind` moves keys encrypted before binding
 * existed to the stored settings, but never re-binds a key bound to other settings.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsKeys } from '../../functions/config/keys.ts';
import { unboundProviderKeyContext } from '../../functions/registry/key-binding.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { decryptProviderKey } from '../../functions/registry/secrets.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli } from './helpers.ts';

let admin: AdminStack;

beforeAll(async () => {
  admin = await startAdminStack();
}, startBudgetMs);

afterAll(() => admin?.close());

const tableName = () => admin.stack.resources.tables.registry;
const registry = () =>
  new ProviderRegistryStore({ dynamodb: new DynamoDBClient({}), tableName: tableName() });

const widenTolerance = (providerId: string) =>
  new DynamoDBClient({}).send(
    new UpdateItemCommand({
      TableName: tableName(),
      Key: { providerId: { S: providerId } },
      UpdateExpression: 'SET toleranceSeconds = :wide',
      ExpressionAttributeValues: { ':wide': { N: '86400' } },
    }),
  );

/** Opens the provider's key `version` under its stored settings, as the ingest function does. */
async function opensUnderStoredSettings(providerId: string, version: number): Promise<string> {
  const config = await registry().get(providerId);
  const key = config?.keys.find((candidate) => candidate.version === version);
  if (config === undefined || key === undefined) throw new Error(`no key v${version}`);
  return decryptProviderKey({
    kms: new KMSClient({}),
    settings: config,
    keyKind: key.kind,
    ciphertext: key.ciphertext,
  });
}

describe('webhooks providers rotate after a registry write without KMS', () => {
  it('refuses to bind the new key to the changed settings, and adds nothing', async () => {
    const added = await cli(
      ['providers', 'add', 'gh-rotate', '--scheme', 'github', '--secret-stdin', '--local'],
      'gh-secret-rotate-1\n',
    );
    expect(added.code).toBe(0);
    await widenTolerance('gh-rotate');
    const rotated = await cli(
      ['providers', 'rotate', 'gh-rotate', '--secret-stdin', '--local'],
      'gh-secret-rotate-2\n',
    );
    expect(rotated.code).toBe(1);
    expect(rotated.stderr).toContain(
      "provider 'gh-rotate': its stored settings are not the ones key v1 was registered with",
    );
    expect(rotated.stderr).not.toContain('gh-secret-rotate');
    expect((await registry().get('gh-rotate'))?.keys.map((key) => key.version)).toEqual([1]);
  });
});

describe('webhooks providers bind', () => {
  it('binds a key encrypted before binding to the stored settings, and then has nothing to do', async () => {
    const { CiphertextBlob } = await new KMSClient({}).send(
      new EncryptCommand({
        KeyId: kmsKeys.secrets.alias,
        Plaintext: new TextEncoder().encode('whsec_legacy_0123456789'),
        EncryptionContext: unboundProviderKeyContext('stripe-legacy'),
      }),
    );
    await registry().create({
      providerId: 'stripe-legacy',
      scheme: 'stripe',
      keys: [{ kind: 'secret', ciphertext: CiphertextBlob as Uint8Array }],
    });
    await expect(opensUnderStoredSettings('stripe-legacy', 1)).rejects.toThrow(/rejected by KMS/);

    const bound = await cli(['providers', 'bind', 'stripe-legacy', '--local']);
    expect(bound).toMatchObject({ code: 0, stderr: '' });
    expect(bound.stdout).toMatch(/^bound v1 of provider 'stripe-legacy' to its settings/);
    expect(await opensUnderStoredSettings('stripe-legacy', 1)).toBe('whsec_legacy_0123456789');

    const again = await cli(['providers', 'bind', 'stripe-legacy', '--local']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('every key was already bound to its settings, nothing changed');
  });

  it('never re-binds a key bound to other settings: a changed item stays shut', async () => {
    const added = await cli(
      ['providers', 'add', 'gh-bind', '--scheme', 'github', '--secret-stdin', '--local'],
      'gh-secret-bind\n',
    );
    expect(added.code).toBe(0);
    await widenTolerance('gh-bind');
    const bound = await cli(['providers', 'bind', 'gh-bind', '--local']);
    expect(bound.code).toBe(1);
    expect(bound.stderr).toContain(
      "provider 'gh-bind': key v1 was bound to other settings than the ones stored now",
    );
    await expect(opensUnderStoredSettings('gh-bind', 1)).rejects.toThrow(/rejected by KMS/);
  });
});
