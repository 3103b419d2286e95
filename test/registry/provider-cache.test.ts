import { createHmac } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import {
  ProviderDisabledError,
  ProviderNotFoundError,
  SecretRejectedError,
} from '../../functions/registry/errors.ts';
import {
  ProviderCache,
  type ProviderCacheOptions,
} from '../../functions/registry/provider-cache.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { verifyDeliverySync } from '../../functions/verify/verify.ts';
import { manualClock } from '../support/clock.ts';
import { bindingOf } from '../support/providers.ts';
import { recordCommands } from '../support/record-commands.ts';
import {
  type RegistryStack,
  secretsKeyAlias,
  startBudgetMs,
  startRegistryStack,
} from '../support/stack.ts';
import { delivery } from '../verify/delivery.ts';

let stack: RegistryStack;
let store: ProviderRegistryStore;
let dynamodbCalls: string[];
let kmsCalls: string[];
let clock: ReturnType<typeof manualClock>;

beforeAll(async () => {
  stack = await startRegistryStack();
  dynamodbCalls = recordCommands(stack.dynamodb);
  kmsCalls = recordCommands(stack.kms);
}, startBudgetMs);

afterAll(() => stack?.close());

beforeEach(() => {
  clock = manualClock();
  store = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    now: clock.now,
  });
});

const encrypt = (providerId: string, value: string) =>
  encryptProviderKey({ kms: stack.kms, keyId: secretsKeyAlias, ...bindingOf(providerId), value });

const addStripe = async (providerId: string, secret = `whsec_${providerId}`) =>
  store.create({
    providerId,
    scheme: 'stripe',
    keys: [{ kind: 'secret', ciphertext: await encrypt(providerId, secret) }],
  });

const newCache = (options: Partial<ProviderCacheOptions> = {}) =>
  new ProviderCache({
    dynamodb: stack.dynamodb,
    kms: stack.kms,
    tableName: stack.tableName,
    secretsKeyId: secretsKeyAlias,
    now: clock.now,
    ...options,
  });

/** Counts the SDK calls `run` makes. */
const callsDuring = async (run: () => Promise<unknown>) => {
  dynamodbCalls.length = 0;
  kmsCalls.length = 0;
  await run();
  return { dynamodb: [...dynamodbCalls], kms: [...kmsCalls] };
};

/** A Stripe-signed delivery: `t=<unix>,v1=<HMAC-SHA256 of "t.body">`. */
const stripeDelivery = (secret: string, nowMs: number, body = '{"id":"evt_1"}') => {
  const t = Math.floor(nowMs / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return delivery({ 'Stripe-Signature': `t=${t},v1=${v1}` }, body);
};

describe('resolveProvider', () => {
  it('loads once cold, then answers warm with no DynamoDB or KMS call', async () => {
    await addStripe('stripe-warm', 'whsec_warm');
    const cache = newCache();
    const cold = await callsDuring(() => cache.resolveProvider('stripe-warm'));
    expect(cold).toEqual({ dynamodb: ['GetItemCommand'], kms: ['DecryptCommand'] });
    let resolved: Awaited<ReturnType<ProviderCache['resolveProvider']>> | undefined;
    clock.advanceSeconds(59);
    const warm = await callsDuring(async () => {
      resolved = await cache.resolveProvider('stripe-warm');
    });
    expect(warm).toEqual({ dynamodb: [], kms: [] });
    expect(resolved?.keys).toEqual([{ id: 'v1', value: 'whsec_warm' }]);
    expect(resolved?.config).toMatchObject({ scheme: 'stripe', enabled: true });
  });

  it('builds the source allowlist once per load; a changed allowlist needs no key re-bound', async () => {
    const added = await addStripe('stripe-sources', 'whsec_sources');
    const restricted = await store.put({ ...added, sources: { ranges: ['203.0.113.0/24'] } });
    const cache = newCache();
    // The key was bound to the settings without an allowlist, and still decrypts with one.
    const first = await cache.resolveProvider('stripe-sources');
    expect(first.keys).toEqual([{ id: 'v1', value: 'whsec_sources' }]);
    expect(first.allowedSources?.allows('203.0.113.7')).toBe(true);
    expect(first.allowedSources?.allows('198.51.100.7')).toBe(false);
    clock.advanceSeconds(30);
    const warm = await cache.resolveProvider('stripe-sources');
    expect(warm.allowedSources).toBe(first.allowedSources);

    await store.put({
      ...restricted,
      sources: {
        ranges: ['198.51.100.0/24'],
        published: { list: 'github', ranges: ['192.30.252.0/22'], fetchedAtMs: clock.now() },
      },
    });
    clock.advanceSeconds(30);
    let reloaded: Awaited<ReturnType<ProviderCache['resolveProvider']>> | undefined;
    const calls = await callsDuring(async () => {
      reloaded = await cache.resolveProvider('stripe-sources');
    });
    // Read again, but the decrypted key kept: the allowlist is not among the bound settings.
    expect(calls).toEqual({ dynamodb: ['GetItemCommand'], kms: [] });
    expect(reloaded?.keys).toEqual([{ id: 'v1', value: 'whsec_sources' }]);
    for (const [address, allowed] of [
      ['203.0.113.7', false],
      ['198.51.100.7', true],
      ['192.30.253.1', true],
      ['::ffff:192.30.253.1', true],
    ] as const) {
      expect(reloaded?.allowedSources?.allows(address)).toBe(allowed);
    }

    await addStripe('stripe-anywhere');
    expect((await cache.resolveProvider('stripe-anywhere')).allowedSources).toBeUndefined();
  });

  it('shares one load among concurrent misses', async () => {
    await addStripe('stripe-concurrent');
    const cache = newCache();
    const calls = await callsDuring(() =>
      Promise.all(Array.from({ length: 8 }, () => cache.resolveProvider('stripe-concurrent'))),
    );
    expect(calls).toEqual({ dynamodb: ['GetItemCommand'], kms: ['DecryptCommand'] });
  });

  it('sees a change after the configuration TTL, not before', async () => {
    await addStripe('stripe-disable');
    const cache = newCache();
    await cache.resolveProvider('stripe-disable');
    await store.setEnabled('stripe-disable', false);
    clock.advanceSeconds(59);
    await expect(cache.resolveProvider('stripe-disable')).resolves.toBeDefined();
    clock.advanceSeconds(1);
    const refreshed = await callsDuring(() =>
      cache.resolveProvider('stripe-disable').catch((error: unknown) => error),
    );
    expect(refreshed).toEqual({ dynamodb: ['GetItemCommand'], kms: [] });
    await expect(cache.resolveProvider('stripe-disable')).rejects.toThrow(ProviderDisabledError);
  });

  it('asks KMS again once a decrypted key is older than the secret TTL', async () => {
    await addStripe('stripe-secret-ttl');
    const cache = newCache();
    await cache.resolveProvider('stripe-secret-ttl');
    clock.advanceSeconds(240);
    expect(await callsDuring(() => cache.resolveProvider('stripe-secret-ttl'))).toEqual({
      dynamodb: ['GetItemCommand'],
      kms: [],
    });
    clock.advanceSeconds(60);
    expect(await callsDuring(() => cache.resolveProvider('stripe-secret-ttl'))).toEqual({
      dynamodb: ['GetItemCommand'],
      kms: ['DecryptCommand'],
    });
  });

  it('never offers a key it decrypted under other settings: a raw write that widens the tolerance shuts it at the next read', async () => {
    await addStripe('stripe-tampered');
    const cache = newCache();
    await cache.resolveProvider('stripe-tampered');
    await stack.dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: { providerId: { S: 'stripe-tampered' } },
        UpdateExpression: 'SET toleranceSeconds = :wide',
        ExpressionAttributeValues: { ':wide': { N: '86400' } },
      }),
    );
    // Past the config TTL, well within the secret TTL: the decrypted key is not reused.
    clock.advanceSeconds(60);
    await expect(cache.resolveProvider('stripe-tampered')).rejects.toThrow(SecretRejectedError);
  });

  it('offers the old key beside the new one until the grace ends, then only the new', async () => {
    await addStripe('stripe-rotation', 'whsec_old');
    const cache = newCache();
    await cache.resolveProvider('stripe-rotation');
    await store.rotate(
      'stripe-rotation',
      { kind: 'secret', ciphertext: await encrypt('stripe-rotation', 'whsec_new') },
      { graceSeconds: 86_400 },
    );
    clock.advanceSeconds(60);
    const during = await cache.resolveProvider('stripe-rotation');
    expect(during.keys).toEqual([
      { id: 'v2', value: 'whsec_new' },
      { id: 'v1', value: 'whsec_old' },
    ]);
    const signedWithOld = stripeDelivery('whsec_old', clock.now());
    expect(
      verifyDeliverySync({
        scheme: 'stripe',
        request: signedWithOld,
        keys: during.keys,
        clock: clock.now,
      }),
    ).toMatchObject({ accepted: true, keyId: 'v1' });

    clock.advanceSeconds(86_400 - 60);
    const after = await cache.resolveProvider('stripe-rotation');
    expect(after.keys).toEqual([{ id: 'v2', value: 'whsec_new' }]);
    const lateOld = stripeDelivery('whsec_old', clock.now());
    expect(
      verifyDeliverySync({
        scheme: 'stripe',
        request: lateOld,
        keys: after.keys,
        clock: clock.now,
      }),
    ).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('reports an unknown provider, and an impossible id without any call', async () => {
    const cache = newCache();
    await expect(cache.resolveProvider('never-added')).rejects.toThrow(ProviderNotFoundError);
    const calls = await callsDuring(() =>
      expect(cache.resolveProvider('../../etc/passwd')).rejects.toMatchObject({
        code: 'provider_not_found',
      }),
    );
    expect(calls).toEqual({ dynamodb: [], kms: [] });
  });

  it('reports a provider removed since it was cached once the TTL passes', async () => {
    await addStripe('stripe-removed');
    const cache = newCache();
    await cache.resolveProvider('stripe-removed');
    await store.remove('stripe-removed');
    clock.advanceSeconds(60);
    await expect(cache.resolveProvider('stripe-removed')).rejects.toThrow(ProviderNotFoundError);
  });

  it("refuses another provider's ciphertext copied into an item", async () => {
    await store.create({
      providerId: 'stripe-copied',
      scheme: 'stripe',
      keys: [{ kind: 'secret', ciphertext: await encrypt('stripe-victim', 'whsec_victim') }],
    });
    const error = await newCache()
      .resolveProvider('stripe-copied')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretRejectedError);
    expect(String(error)).not.toContain('whsec_');
  });
});

describe('dependency failures', () => {
  it('turns DynamoDB throttling into DependencyUnavailableError', async () => {
    const throttled = new DynamoDBClient({});
    const mock = mockClient(throttled);
    mock
      .on(GetItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    try {
      const error = await newCache({ dynamodb: throttled })
        .resolveProvider('stripe-live')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ dependency: 'dynamodb', code: 'dependency_unavailable' });
      expect((error as Error).cause).toBeInstanceOf(ProvisionedThroughputExceededException);
    } finally {
      mock.restore();
      throttled.destroy();
    }
  });

  // Last: stops the stand-ins.
  it('turns an unreachable KMS, then DynamoDB, into DependencyUnavailableError', async () => {
    await addStripe('stripe-outage');
    const cache = newCache();
    await cache.resolveProvider('stripe-outage');
    await stack.stopKms();
    clock.advanceSeconds(60);
    await expect(cache.resolveProvider('stripe-outage')).resolves.toBeDefined();
    clock.advanceSeconds(240);
    await expect(cache.resolveProvider('stripe-outage')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'kms',
      cause: expect.any(Error),
    });
    await stack.stopDynamoDb();
    clock.advanceSeconds(60);
    await expect(cache.resolveProvider('stripe-outage')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'dynamodb',
      cause: expect.any(Error),
    });
  });
});
