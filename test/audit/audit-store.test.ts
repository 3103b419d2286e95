import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DedupMarkers } from '../../functions/audit/dedup.ts';
import {
  InvalidAuditQueryError,
  InvalidAuditRecordError,
  MalformedAuditItemError,
} from '../../functions/audit/errors.ts';
import {
  auditShardOf,
  fromAuditItem,
  toAuditItem,
  toPayloadItem,
  withPayload,
} from '../../functions/audit/record.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { auditShards } from '../../functions/config/tables.ts';
import { DependencyUnavailableError } from '../../functions/registry/errors.ts';
import {
  type AuditStack,
  accepted,
  auditRecord,
  auditRecordArbitrary,
  manualClock,
  startAuditStack,
  startBudgetMs,
} from './audit-stack.ts';

let stack: AuditStack;
let store: AuditStore;
const clock = manualClock();
const t0 = clock.now();
const dayMs = 86_400_000;

beforeAll(async () => {
  stack = await startAuditStack();
  store = new AuditStore({ dynamodb: stack.dynamodb, tableName: stack.tableName, now: clock.now });
}, startBudgetMs);

afterAll(() => stack?.close());

describe('item mapping', () => {
  it('round-trips any valid record through its item and its payload item', () => {
    fc.assert(
      fc.property(auditRecordArbitrary, (record) => {
        const read = fromAuditItem(toAuditItem(record));
        const payload = toPayloadItem(record);
        expect(payload === undefined ? read : withPayload(read, payload)).toEqual(record);
        expect(payload === undefined).toBe(record.encryptedPayload === undefined);
      }),
    );
  });

  it('keeps the payload copy out of the record item, in an item with the shorter TTL', () => {
    const record = { ...accepted(), encryptedPayload: Buffer.of(7, 7) };
    const item = toAuditItem(record);
    expect(item).not.toHaveProperty('encryptedPayload');
    const payload = toPayloadItem(record);
    expect(payload?.pk).toEqual(item.pk);
    expect(payload?.sk).toEqual({ S: `${item.sk?.S}#payload` });
    expect(payload).not.toHaveProperty('deliveryId');
    const receivedAt = Math.floor(record.receivedAtMs / 1000);
    const { payloadDays } = retentionClasses[record.retentionClass];
    expect(payload?.expiresAt).toEqual({ N: String(receivedAt + payloadDays * 86_400) });
    expect(Number(payload?.expiresAt?.N)).toBeLessThan(Number(item.expiresAt?.N));
  });

  it('lays out keys, the index attribute and the TTL', () => {
    const record = auditRecord({ deliveryId: 'evt_9', requestId: 'req-a' });
    const item = toAuditItem(record);
    expect(item.pk).toEqual({ S: `stripe-live#${auditShardOf('evt_9')}` });
    expect(item.sk).toEqual({ S: '2099-03-01T12:00:00.000Z#evt_9#req-a' });
    expect(item.deliveryId).toEqual({ S: 'evt_9' });
    const days = retentionClasses.standard.auditDays;
    expect(item.expiresAt).toEqual({ N: String(t0 / 1000 + days * 86_400) });
  });

  it('spreads delivery ids over every shard', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => auditShardOf(`evt_${i}`)));
    expect(shards.size).toBe(auditShards);
  });

  it.each([
    ['a bad source IP', { sourceIp: 'not-an-ip' }, 'sourceIp'],
    ['an upper-case digest', { bodySha256: 'A'.repeat(64) }, 'bodySha256'],
    ['a request id with #', { requestId: 'a#b' }, 'requestId'],
    ['a rejection without reason', { reason: undefined }, 'reason'],
    ['a queue message id on a rejection', { queueMessageId: 'm-1' }, 'queueMessageId'],
    [
      'a payload copy the class does not keep',
      { retentionClass: 'minimal', encryptedPayload: Buffer.of(1) },
      'payload',
    ],
    [
      'a payload copy of an attempt that was not accepted',
      { outcome: 'rejected', encryptedPayload: Buffer.of(1) },
      'only an accepted delivery',
    ],
    ['an unknown scheme', { scheme: 'nope' }, 'scheme'],
  ] as const)('refuses %s', (_, overrides, named) => {
    const record = { ...auditRecord(), ...overrides } as Parameters<typeof toAuditItem>[0];
    expect(() => toAuditItem(record)).toThrow(InvalidAuditRecordError);
    expect(() => toAuditItem(record)).toThrow(named);
  });

  it('refuses an accepted record without its queue message id or key', () => {
    const { queueMessageId: _q, keyId: _k, ...record } = accepted();
    expect(() => toAuditItem(record)).toThrow(/keyId.*queueMessageId/);
  });

  it('reads an item whose sort key does not match its fields as malformed', () => {
    const item = { ...toAuditItem(auditRecord()), sk: { S: 'elsewhere' } };
    expect(() => fromAuditItem(item)).toThrow(MalformedAuditItemError);
  });
});

describe('writeAttempt and findByDeliveryId', () => {
  it('stores a rejected attempt and finds it by delivery id', async () => {
    const record = auditRecord({ deliveryId: 'evt_find' });
    await store.writeAttempt(record);
    expect(await store.findByDeliveryId('evt_find')).toEqual({ records: [record], malformed: [] });
  });

  it('keeps every attempt of one delivery, even in the same millisecond, newest first', async () => {
    const first = auditRecord({ deliveryId: 'evt_retry', requestId: 'req-x1' });
    const second = auditRecord({
      deliveryId: 'evt_retry',
      requestId: 'req-x2',
      outcome: 'duplicate',
    });
    const later = auditRecord({
      deliveryId: 'evt_retry',
      outcome: 'failed',
      reason: 'queue_unavailable',
      receivedAtMs: t0 + 1,
    });
    for (const record of [first, second, later]) await store.writeAttempt(record);
    const { records } = await store.findByDeliveryId('evt_retry');
    expect(records).toEqual([later, second, first]);
  });

  it('round-trips generated records through DynamoDB', async () => {
    await fc.assert(
      fc.asyncProperty(auditRecordArbitrary, async (generated) => {
        const record = { ...generated, receivedAtMs: t0, retentionClass: 'standard' as const };
        const { outcome } = record;
        if (outcome === 'accepted') return;
        await store.writeAttempt(record);
        const { records } = await store.findByDeliveryId(record.deliveryId);
        expect(records).toContainEqual(record);
      }),
      { numRuns: 25 },
    );
  });

  it('sends accepted records through confirmAccepted only', async () => {
    await expect(store.writeAttempt(accepted())).rejects.toThrow(InvalidAuditRecordError);
  });

  it('hides records past their retention that TTL has not deleted yet', async () => {
    const record = auditRecord({ deliveryId: 'evt_old', retentionClass: 'minimal' });
    await store.writeAttempt(record);
    const shortClock = { now: () => t0 + 30 * dayMs };
    const later = new AuditStore({ ...stackOptions(), now: shortClock.now });
    expect((await later.findByDeliveryId('evt_old')).records).toEqual([]);
    const justBefore = new AuditStore({ ...stackOptions(), now: () => t0 + 30 * dayMs - 1000 });
    expect((await justBefore.findByDeliveryId('evt_old')).records).toEqual([record]);
  });

  it('lists a malformed item apart instead of failing the whole answer', async () => {
    const good = auditRecord({ deliveryId: 'evt_bad' });
    await store.writeAttempt(good);
    const item = { ...toAuditItem(auditRecord({ deliveryId: 'evt_bad' })), sourceIp: { S: 'x' } };
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: item }));
    const { records, malformed } = await store.findByDeliveryId('evt_bad');
    expect(records).toEqual([good]);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.message).toMatch(/sourceIp/);
  });
});

describe('listByProvider', () => {
  const providerId = 'lister';
  const minute = 60_000;
  // 24 attempts, one a minute, outcomes in turn, delivery ids spread over the shards.
  const records = Array.from({ length: 24 }, (_, i) =>
    auditRecord({
      providerId,
      deliveryId: `evt_list_${i}`,
      receivedAtMs: t0 + i * minute,
      ...(i % 3 === 0 ? { outcome: 'duplicate', reason: 'already_accepted' } : {}),
    }),
  );
  const newestFirst = [...records].reverse();

  beforeAll(async () => {
    await Promise.all(records.map((record) => store.writeAttempt(record)));
    expect(new Set(records.map((r) => auditShardOf(r.deliveryId))).size).toBeGreaterThan(4);
  });

  it('merges every shard newest first', async () => {
    const listing = await store.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      limit: 100,
    });
    expect(listing).toEqual({ records: newestFirst, malformed: [] });
  });

  it('includes both ends of the range, to the millisecond', async () => {
    const { records: inRange } = await store.listByProvider({
      providerId,
      sinceMs: t0 + 5 * minute,
      untilMs: t0 + 9 * minute,
      limit: 100,
    });
    expect(inRange).toEqual(records.slice(5, 10).reverse());
  });

  it('returns the newest `limit` records', async () => {
    const { records: page } = await store.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      limit: 5,
    });
    expect(page).toEqual(newestFirst.slice(0, 5));
  });

  it('filters by outcome', async () => {
    const { records: duplicates } = await store.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      outcome: 'duplicate',
      limit: 3,
    });
    expect(duplicates).toEqual(newestFirst.filter((r) => r.outcome === 'duplicate').slice(0, 3));
  });

  it('hides records past their retention', async () => {
    const expiring = auditRecord({
      providerId,
      deliveryId: 'evt_list_min',
      retentionClass: 'minimal',
    });
    await store.writeAttempt(expiring);
    const later = new AuditStore({ ...stackOptions(), now: () => t0 + 31 * dayMs });
    const { records: listed } = await later.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      limit: 100,
    });
    expect(listed).toEqual(newestFirst);
  });

  it('refuses a reversed range and an out-of-range limit', async () => {
    const query = { providerId, sinceMs: t0 + 1, untilMs: t0, limit: 0 };
    await expect(store.listByProvider(query)).rejects.toThrow(InvalidAuditQueryError);
    await expect(store.listByProvider(query)).rejects.toThrow(/since <= until.*limit/);
  });
});

describe('when DynamoDB is down', () => {
  beforeAll(() => stack.stopDynamoDb());

  it.each([
    ['writeAttempt', () => store.writeAttempt(auditRecord())],
    ['findByDeliveryId', () => store.findByDeliveryId('evt_1')],
    [
      'listByProvider',
      () => store.listByProvider({ providerId: 'p', sinceMs: t0, untilMs: t0, limit: 1 }),
    ],
    [
      'confirmAccepted',
      async () => {
        const markers = new DedupMarkers(stackOptions());
        const marker = {
          providerId: 'stripe-live',
          deliveryId: 'evt_1',
          claimToken: 't',
          leaseUntilMs: t0,
          dedupWindowSeconds: 60,
        };
        await expect(markers.release(marker)).rejects.toThrow(DependencyUnavailableError);
        return store.confirmAccepted(marker, accepted());
      },
    ],
  ])('%s throws DependencyUnavailableError with the SDK error as cause', async (_, call) => {
    const error = await call().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

function stackOptions() {
  return { dynamodb: stack.dynamodb, tableName: stack.tableName };
}
