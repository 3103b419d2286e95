/**
 * The deployment's subject-index secret against DynamoDB Local and the KMS stand-in: created
 * once however many callers race, stored only as KMS ciphertext under a reserved registry id,
 * decrypted once and then cached; rotated to a new version that new hashes are made with, the
 * replaced one kept for erasure until no record it indexed can be left, and of racing
 * rotations one wins and none loses a version.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubjectIndexSecretMissingError } from '../../functions/audit/errors.ts';
import { subjectIndexKmsContext } from '../../functions/audit/subject-index.ts';
import {
  SubjectIndexRotationConflictError,
  SubjectIndexSecret,
  subjectIndexSecretId,
} from '../../functions/audit/subject-index-secret.ts';
import { subjectIndexVersionKeptMs } from '../../functions/audit/subject-index-versions.ts';
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
    await expect(secretOf().everyHash('shop', 'cus_1')).rejects.toThrow(
      SubjectIndexSecretMissingError,
    );
    // Nor is there anything to rotate: a rotation creates no first version.
    await expect(secretOf().rotate()).rejects.toThrow(SubjectIndexSecretMissingError);
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

/** The secret's item as DynamoDB holds it. */
async function storedItem() {
  const { Item } = await stack.dynamodb.send(
    new GetItemCommand({
      TableName: stack.tableName,
      Key: { providerId: { S: subjectIndexSecretId } },
      ConsistentRead: true,
    }),
  );
  return Item ?? {};
}

describe('SubjectIndexSecret rotation', () => {
  const dayMs = 86_400_000;

  it('makes new hashes with the new version, tagged with it, and keeps the one it replaced', async () => {
    const before = await secretOf().hash('shop', 'cus_1');
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    const createdAt = (await storedItem()).createdAt?.S as string;

    const rotation = await secretOf().rotate();
    expect(rotation.current).toEqual({ version: 2, createdAtMs: expect.any(Number) });
    expect(rotation.kept).toEqual([
      {
        version: 1,
        createdAtMs: Date.parse(createdAt),
        retiredAtMs: rotation.current.createdAtMs,
      },
    ]);
    expect(rotation.dropped).toEqual([]);

    const after = await secretOf().hash('shop', 'cus_1');
    expect(after).toMatch(/^v2:[0-9a-f]{64}$/);
    expect(after.slice(3)).not.toBe(before);
    // Erasure looks the subject up under both: the current version's first.
    expect(await secretOf().everyHash('shop', 'cus_1')).toEqual([
      { version: 2, hash: after },
      { version: 1, hash: before },
    ]);
    const item = await storedItem();
    expect(Object.keys(item).sort()).toEqual([
      'ciphertext',
      'createdAt',
      'previous',
      'providerId',
      'version',
    ]);
    expect(item.version).toEqual({ N: '2' });
    expect(item.previous?.L?.[0]?.M?.createdAt).toEqual({ S: createdAt });
  });

  it('reaches a running function within its cache time, not before', async () => {
    let nowMs = Date.now();
    const running = secretOf({ now: () => nowMs });
    const current = await running.hash('shop', 'cus_1');
    expect(current).toMatch(/^v2:/);
    await secretOf().rotate();
    expect(await running.hash('shop', 'cus_1')).toBe(current);
    nowMs += 301_000;
    expect(await running.hash('shop', 'cus_1')).toMatch(/^v3:/);
    running.clear();
  });

  it('lets one of racing rotations write and refuses the others: no version is lost', async () => {
    const before = await secretOf().versions();
    expect(before?.map((version) => version.version)).toEqual([3, 2, 1]);
    // Each has read v3 before any writes: every GenerateDataKey waits for all three.
    const kms = new KMSClient({});
    const racers = 3;
    let arrived = 0;
    let allRead: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    kms.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GenerateDataKeyCommand') {
          if (++arrived === racers) allRead();
          await barrier;
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const results = await Promise.allSettled(
      Array.from({ length: racers }, () => secretOf({ kms }).rotate()),
    );
    kms.destroy();
    const written = results.filter((result) => result.status === 'fulfilled');
    const refused = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    expect(written).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(SubjectIndexRotationConflictError);
      expect(reason).toMatchObject({ code: 'rotation_conflict', expectedVersion: 3 });
    }
    const after = await secretOf().versions();
    expect(after?.map((version) => version.version)).toEqual([4, 3, 2, 1]);
    // Each version kept its own dates: none was rewritten by the refused rotations.
    expect(after?.slice(2)).toEqual(before?.slice(1));
    const hashes = await secretOf().everyHash('shop', 'cus_1');
    expect(hashes.map((hash) => hash.version)).toEqual([4, 3, 2, 1]);
    expect(new Set(hashes.map((hash) => hash.hash.replace(/^v\d+:/, ''))).size).toBe(4);
  });

  it('drops a version only once it was retired longer ago than any record it indexed is kept', async () => {
    const later = Date.now() + subjectIndexVersionKeptMs + dayMs;
    const hashBefore = (await secretOf().everyHash('shop', 'cus_1'))[0];
    const rotation = await secretOf({ now: () => later }).rotate();
    // v4 was retired just now; v3, v2 and v1 were retired more than the longest retention ago.
    expect(rotation.current.version).toBe(5);
    expect(rotation.kept.map((version) => version.version)).toEqual([4]);
    expect(rotation.dropped).toEqual([3, 2, 1]);
    const hashes = await secretOf().everyHash('shop', 'cus_1');
    expect(hashes.map((hash) => hash.version)).toEqual([5, 4]);
    expect(hashes[1]).toEqual(hashBefore);
  });

  it('rotates an item written before rotations, whose version is implied', async () => {
    // As `ensureCreated` wrote it before versions: no `version`, no `previous`.
    const { ciphertext, createdAt } = await storedItem();
    await stack.dynamodb.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: {
          providerId: { S: subjectIndexSecretId },
          ciphertext: ciphertext as { B: Uint8Array },
          createdAt: createdAt as { S: string },
        },
      }),
    );
    const bare = await secretOf().hash('shop', 'cus_1');
    expect(bare).toMatch(/^[0-9a-f]{64}$/);
    const rotation = await secretOf().rotate();
    expect(rotation.current.version).toBe(2);
    expect(await secretOf().everyHash('shop', 'cus_1')).toEqual([
      { version: 2, hash: expect.stringMatching(/^v2:/) },
      { version: 1, hash: bare },
    ]);
  });
});
