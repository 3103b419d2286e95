/**
 * The deployment's subject-index secret against DynamoDB Local and the KMS stand-in: created
 * once however many callers race, stored only as KMS ciphertext under a reserved registry id,
 * decrypted once and then cached.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubjectIndexSecretMissingError } from '../../functions/audit/errors.ts';
import { subjectIndexKmsContext } from '../../functions/audit/subject-index.ts';
import {
  SubjectIndexSecret,
  subjectIndexSecretId,
} from '../../functions/audit/subject-index-secret.ts';
import { InvalidProviderIdError } from '../../functions/registry/errors.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { bindingOf } from '../support/providers.ts';
import { recordCommands } from '../support/record-commands.ts';
import {
  type RegistryStack,
  secretsKeyAlias,
  startBudgetMs,
  startRegistryStack,
} from '../support/stack.ts';

let stack: RegistryStack;
let auditKeyId: string;

const secretOf = (overrides: { kms?: KMSClient; now?: () => number } = {}) =>
  new SubjectIndexSecret({
    dynamodb: stack.dynamodb,
    kms: overrides.kms ?? stack.kms,
    registryTableName: stack.tableName,
    auditKeyId,
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
  });

beforeAll(async () => {
  stack = await startRegistryStack();
  const { KeyMetadata } = await stack.kms.send(new CreateKeyCommand({}));
  auditKeyId = KeyMetadata?.KeyId as string;
}, startBudgetMs);

afterAll(() => stack?.close());

describe('SubjectIndexSecret', () => {
  it('refuses to hash before the secret exists: nothing would find the record later', async () => {
    await expect(secretOf().hash('shop', 'cus_1')).rejects.toThrow(SubjectIndexSecretMissingError);
  });

  it('is created once by racing callers, and each of them hashes with the one stored', async () => {
    const callers = [secretOf(), secretOf(), secretOf()];
    const results = await Promise.all(callers.map((caller) => caller.ensureCreated()));
    expect(results.filter((result) => result === 'created')).toHaveLength(1);
    const hashes = await Promise.all(callers.map((caller) => caller.hash('shop', 'cus_1')));
    const fresh = await secretOf().hash('shop', 'cus_1');
    expect(new Set([...hashes, fresh])).toEqual(new Set([fresh]));
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(await secretOf().ensureCreated()).toBe('existing');
  });

  it('stores only the KMS ciphertext, bound to its purpose, under a reserved id', async () => {
    const { Item } = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.tableName,
        Key: { providerId: { S: subjectIndexSecretId } },
      }),
    );
    expect(Object.keys(Item ?? {}).sort()).toEqual(['ciphertext', 'createdAt', 'providerId']);
    expect(subjectIndexSecretId.startsWith('_')).toBe(true);
    const ciphertext = Item?.ciphertext?.B as Uint8Array;
    await expect(
      stack.kms.send(
        new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: { purpose: 'other' } }),
      ),
    ).rejects.toThrow();
    const { Plaintext } = await stack.kms.send(
      new DecryptCommand({
        CiphertextBlob: ciphertext,
        EncryptionContext: { ...subjectIndexKmsContext },
      }),
    );
    expect(Plaintext).toHaveLength(32);
  });

  it('decrypts once per container, then again after the cache time', async () => {
    const kms = new KMSClient({});
    const commands = recordCommands(kms);
    let nowMs = Date.now();
    const secret = secretOf({ kms, now: () => nowMs });
    await Promise.all(Array.from({ length: 50 }, (_, index) => secret.hash('shop', `v${index}`)));
    expect(commands).toEqual(['DecryptCommand']);
    nowMs += 301_000;
    await secret.hash('shop', 'v0');
    expect(commands).toEqual(['DecryptCommand', 'DecryptCommand']);
    kms.destroy();
  });

  it('is no provider: the registry neither lists it nor reads it by id', async () => {
    const registry = new ProviderRegistryStore({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
    });
    await registry.create({
      providerId: 'shop',
      scheme: 'stripe',
      keys: [
        {
          kind: 'secret',
          ciphertext: await encryptProviderKey({
            kms: stack.kms,
            keyId: secretsKeyAlias,
            ...bindingOf('shop'),
            value: 'whsec_shop',
          }),
        },
      ],
    });
    const { providers, malformed } = await registry.list();
    expect(providers.map((provider) => provider.providerId)).toEqual(['shop']);
    expect(malformed).toEqual([]);
    await expect(registry.get(subjectIndexSecretId)).rejects.toThrow(InvalidProviderIdError);
  });
});
