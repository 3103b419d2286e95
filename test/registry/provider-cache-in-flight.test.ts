/**
 * The bound the CLI promises for a provider change: every request resolved configCacheSeconds
 * or more after a registry write sees it, also when a read begun before the write answers late.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCacheSeconds } from '../../functions/config/limits.ts';
import { ProviderDisabledError } from '../../functions/registry/errors.ts';
import { ProviderCache } from '../../functions/registry/provider-cache.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { manualClock } from '../support/clock.ts';
import { bindingOf } from '../support/providers.ts';
import {
  type RegistryStack,
  secretsKeyAlias,
  startBudgetMs,
  startRegistryStack,
} from '../support/stack.ts';

let stack: RegistryStack;

beforeAll(async () => {
  stack = await startRegistryStack();
}, startBudgetMs);

afterAll(() => stack?.close());

/** A DynamoDB client whose answers are held back until `release` is called. */
function slowDynamoDb() {
  const dynamodb = new DynamoDBClient({});
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sent = () => {};
  const readSent = new Promise<void>((resolve) => {
    sent = resolve;
  });
  dynamodb.middlewareStack.add(
    (next) => async (args) => {
      const answer = await next(args);
      sent();
      await released;
      return answer;
    },
    { step: 'initialize' },
  );
  return { dynamodb, readSent, release };
}

/** A provider in the registry, a cache over a slow client, and a store to change it with. */
async function disabledWhileLoading(providerId: string) {
  const clock = manualClock();
  const store = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    now: clock.now,
  });
  const ciphertext = await encryptProviderKey({
    kms: stack.kms,
    keyId: secretsKeyAlias,
    ...bindingOf(providerId),
    value: `whsec_${providerId}`,
  });
  await store.create({ providerId, scheme: 'stripe', keys: [{ kind: 'secret', ciphertext }] });
  const slow = slowDynamoDb();
  const cache = new ProviderCache({
    dynamodb: slow.dynamodb,
    kms: stack.kms,
    tableName: stack.tableName,
    secretsKeyId: secretsKeyAlias,
    now: clock.now,
  });
  const first = cache.resolveProvider(providerId);
  await slow.readSent;
  await store.setEnabled(providerId, false);
  return { clock, cache, first, release: slow.release, close: () => slow.dynamodb.destroy() };
}

describe('a change written while a read is in flight', () => {
  it('holds configCacheSeconds after the write, however late the read answered', async () => {
    const { clock, cache, first, release, close } = await disabledWhileLoading('late-answer');
    clock.advanceSeconds(configCacheSeconds / 2);
    release();
    // Read before the write: answering with what it read is right.
    await expect(first).resolves.toMatchObject({ config: { enabled: true } });
    clock.advanceSeconds(configCacheSeconds / 2);
    await expect(cache.resolveProvider('late-answer')).rejects.toThrow(ProviderDisabledError);
    close();
  });

  it('is not hidden by joining a read that began configCacheSeconds ago', async () => {
    const { clock, cache, first, release, close } = await disabledWhileLoading('stuck-read');
    clock.advanceSeconds(configCacheSeconds);
    // The expectation is attached at once: `later` may be refused before `first` resolves, and
    // a refusal nobody listens to yet is an unhandled rejection.
    const later = expect(cache.resolveProvider('stuck-read')).rejects.toThrow(
      ProviderDisabledError,
    );
    release();
    await expect(first).resolves.toMatchObject({ config: { enabled: true } });
    await later;
    close();
  });
});
