import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
  MalformedProviderItemError,
  ProviderAlreadyExistsError,
  ProviderNotFoundError,
  RevisionConflictError,
  SecretRejectedError,
} from '../../functions/registry/errors.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import {
  decryptProviderKey,
  encryptProviderKey,
  providerSecretPurpose,
} from '../../functions/registry/secrets.ts';
import { manualClock } from '../support/clock.ts';
import { bindingOf } from '../support/providers.ts';
import {
  type RegistryStack,
  secretsKeyAlias,
  startBudgetMs,
  startRegistryStack,
} from '../support/stack.ts';

let stack: RegistryStack;
let store: ProviderRegistryStore;
const clock = manualClock();
const secret = 'whsec_registry-test-secret-0123456789';

beforeAll(async () => {
  stack = await startRegistryStack();
  store = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    now: clock.now,
  });
}, startBudgetMs);

afterAll(() => stack?.close());

const encrypt = (providerId: string, value = secret) =>
  encryptProviderKey({ kms: stack.kms, keyId: secretsKeyAlias, ...bindingOf(providerId), value });

const addStripe = async (providerId: string) =>
  store.create({
    providerId,
    scheme: 'stripe',
    keys: [{ kind: 'secret', ciphertext: await encrypt(providerId) }],
  });

describe('create and get', () => {
  it('reads back what was added, with defaults filled in', async () => {
    const created = await store.create({
      providerId: 'github-main',
      scheme: 'github',
      options: { allowSha1: 'true' },
      toleranceSeconds: 600,
      retentionClass: 'extended',
      redaction: [{ path: 'sender.email', action: 'mask' }],
      keys: [{ kind: 'secret', ciphertext: await encrypt('github-main') }],
    });
    expect(created).toMatchObject({ revision: 1, enabled: true, dedupWindowSeconds: 604_800 });
    expect(created.keys).toMatchObject([{ version: 1, createdAtMs: clock.now() }]);
    expect(await store.get('github-main')).toEqual(created);
  });

  it('answers undefined for a provider never added', async () => {
    expect(await store.get('never-added')).toBeUndefined();
  });

  it('refuses an id that could not appear in a URL or key, before any call', async () => {
    await expect(store.get('../stripe')).rejects.toThrow(InvalidProviderIdError);
    await expect(store.get('Stripe#1')).rejects.toThrow(InvalidProviderIdError);
  });

  it('refuses to add a provider twice', async () => {
    await addStripe('stripe-twice');
    const error = await addStripe('stripe-twice').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderAlreadyExistsError);
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('refuses options the scheme does not take, naming the option', async () => {
    const adding = store.create({
      providerId: 'github-typo',
      scheme: 'github',
      options: { allowSha: 'true' },
      keys: [],
    });
    await expect(adding).rejects.toThrow(InvalidProviderConfigError);
    await expect(adding).rejects.toThrow(/unknown option 'allowSha'/);
    expect(await store.get('github-typo')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('stores a secret only as a KMS ciphertext', async () => {
    await addStripe('stripe-raw');
    const { Item } = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.tableName, Key: { providerId: { S: 'stripe-raw' } } }),
    );
    const key = Item?.keys?.L?.[0]?.M;
    expect(key?.ciphertext?.B).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(key?.ciphertext?.B ?? []).includes(secret)).toBe(false);
    const { keys: _ciphertexts, ...rest } = Item ?? {};
    expect(JSON.stringify(rest)).not.toContain('whsec_');
    expect(Object.keys(key ?? {}).sort()).toEqual(['ciphertext', 'createdAt', 'kind', 'version']);
  });

  it('decrypts under the provider it was encrypted for', async () => {
    const ciphertext = await encrypt('stripe-context');
    expect(
      await decryptProviderKey({ kms: stack.kms, ...bindingOf('stripe-context'), ciphertext }),
    ).toBe(secret);
  });

  it('refuses to decrypt under another provider id: the context is bound', async () => {
    const ciphertext = await encrypt('stripe-context');
    const decrypting = decryptProviderKey({
      kms: stack.kms,
      ...bindingOf('stripe-other'),
      ciphertext,
    });
    await expect(decrypting).rejects.toThrow(SecretRejectedError);
    await expect(decrypting).rejects.not.toThrow(secret);
  });

  it('names the purpose in the context', () => {
    expect(providerSecretPurpose).toBe('webhook-provider-secret');
  });
});

describe('optimistic concurrency', () => {
  it('refuses a put from a stale revision', async () => {
    const first = await addStripe('stripe-concurrent');
    const second = await store.put({ ...first, toleranceSeconds: 120 });
    expect(second.revision).toBe(2);
    const stale = store.put({ ...first, enabled: false });
    await expect(stale).rejects.toThrow(RevisionConflictError);
    await expect(stale).rejects.toMatchObject({
      code: 'revision_conflict',
      cause: expect.any(ConditionalCheckFailedException),
    });
    expect(await store.get('stripe-concurrent')).toMatchObject({ enabled: true, revision: 2 });
  });

  it('refuses a remove from a stale revision, and removes at the current one', async () => {
    const config = await addStripe('stripe-remove');
    await store.setEnabled('stripe-remove', false);
    await expect(store.remove('stripe-remove', config.revision)).rejects.toThrow(
      RevisionConflictError,
    );
    await store.remove('stripe-remove', config.revision + 1);
    expect(await store.get('stripe-remove')).toBeUndefined();
    await expect(store.remove('stripe-remove')).rejects.toThrow(ProviderNotFoundError);
  });
});

describe('enable, disable', () => {
  it('flips the flag and moves the revision on', async () => {
    await addStripe('stripe-toggle');
    expect(await store.setEnabled('stripe-toggle', false)).toMatchObject({
      enabled: false,
      revision: 2,
    });
    expect(await store.setEnabled('stripe-toggle', true)).toMatchObject({
      enabled: true,
      revision: 3,
    });
  });

  it('refuses an unknown provider rather than creating it', async () => {
    await expect(store.setEnabled('never-added', true)).rejects.toThrow(ProviderNotFoundError);
    expect(await store.get('never-added')).toBeUndefined();
  });
});

describe('rotate', () => {
  it('keeps the old key until the grace ends, then drops it at the next rotation', async () => {
    await addStripe('stripe-rotate');
    const rotated = await store.rotate(
      'stripe-rotate',
      { kind: 'secret', ciphertext: await encrypt('stripe-rotate', 'whsec_second') },
      { graceSeconds: 86_400 },
    );
    expect(rotated.keys.map(({ version, notAfterMs }) => ({ version, notAfterMs }))).toEqual([
      { version: 1, notAfterMs: clock.now() + 86_400_000 },
      { version: 2, notAfterMs: undefined },
    ]);
    clock.advanceSeconds(86_400);
    const again = await store.rotate(
      'stripe-rotate',
      { kind: 'secret', ciphertext: await encrypt('stripe-rotate', 'whsec_third') },
      { graceSeconds: 3_600 },
    );
    expect(again.keys.map(({ version }) => version)).toEqual([2, 3]);
  });

  it('refuses a grace that is negative or not whole seconds', async () => {
    const key = { kind: 'secret' as const, ciphertext: new Uint8Array([1]) };
    await expect(store.rotate('stripe-rotate', key, { graceSeconds: -1 })).rejects.toThrow(
      InvalidProviderConfigError,
    );
    await expect(store.rotate('stripe-rotate', key, { graceSeconds: 1.5 })).rejects.toThrow(
      /graceSeconds must be a whole number/,
    );
  });

  it('refuses to rotate an unknown provider', async () => {
    const key = { kind: 'secret' as const, ciphertext: new Uint8Array([1]) };
    await expect(store.rotate('never-added', key, { graceSeconds: 0 })).rejects.toThrow(
      ProviderNotFoundError,
    );
  });
});

describe('list', () => {
  it('lists every provider and reports a malformed item without hiding the rest', async () => {
    await stack.dynamodb.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: { providerId: { S: 'zz-malformed' }, scheme: { S: 'no-such-scheme' } },
      }),
    );
    const { providers, malformed } = await store.list();
    const ids = providers.map((provider) => provider.providerId);
    expect(ids).toContain('github-main');
    expect(ids).toEqual([...ids].sort());
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toBeInstanceOf(MalformedProviderItemError);
    expect(malformed[0]?.providerId).toBe('zz-malformed');
    await expect(store.get('zz-malformed')).rejects.toThrow(MalformedProviderItemError);
  });
});

describe('DynamoDB failures', () => {
  it('turns throttling into DependencyUnavailableError, keeping the cause', async () => {
    const throttled = new DynamoDBClient({});
    const mock = mockClient(throttled);
    mock
      .on(GetItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    try {
      const failing = new ProviderRegistryStore({ dynamodb: throttled, tableName: 'any' });
      const error = await failing.get('stripe-live').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ dependency: 'dynamodb', operation: 'GetItem' });
      expect((error as Error).cause).toBeInstanceOf(ProvisionedThroughputExceededException);
    } finally {
      mock.restore();
      throttled.destroy();
    }
  });
});
