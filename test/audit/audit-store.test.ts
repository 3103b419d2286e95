import { type AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import { InvalidAuditRecordError, MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  auditShardOf,
  fromAuditItem,
  toAuditItem,
  toPayloadItem,
  withPayload,
} from '../../functions/audit/record.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { auditShards } from '../../functions/config/tables.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { accepted, auditRecord, auditRecordArbitrary, sealedAs } from '../support/audit-records.ts';
import { manualClock } from '../support/clock.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../support/stack.ts';

let stack: AuditStack;
let store: AuditStore;
let reader: AuditReader;
const clock = manualClock();
const t0 = clock.now();
const dayMs = 86_400_000;

beforeAll(async () => {
  stack = await startAuditStack();
  store = new AuditStore({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    sealer: stack.sealer,
  });
  reader = new AuditReader({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    now: clock.now,
  });
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

  it('says how the payload copy is encoded, and refuses an encoding it does not know', () => {
    const record = {
      ...accepted(),
      encryptedPayload: Buffer.of(7, 7),
      payloadEncoding: 'gzip',
    } as const;
    const payload = toPayloadItem(record);
    expect(payload?.payloadEncoding).toEqual({ S: 'gzip' });
    expect(() => toPayloadItem({ ...record, payloadEncoding: 'br' as 'gzip' })).toThrow(
      InvalidAuditRecordError,
    );
    const read = fromAuditItem(toAuditItem(record));
    expect(() => withPayload(read, { ...payload, payloadEncoding: { S: 'br' } })).toThrow(
      MalformedAuditItemError,
    );
    // A copy stored before compression has no encoding, and reads as plain text.
    const plain = { ...payload };
    delete plain.payloadEncoding;
    expect(withPayload(read, plain)).not.toHaveProperty('payloadEncoding');
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

  it('refuses an accepted record without its key', () => {
    const { keyId: _k, ...record } = accepted();
    expect(() => toAuditItem(record)).toThrow(/keyId is required/);
  });

  it('stores no headers for a class that keeps none, and refuses empty ones', () => {
    const { encryptedHeaders: _h, ...record } = auditRecord({ retentionClass: 'minimal' });
    expect(toAuditItem(record).encryptedHeaders).toBeUndefined();
    expect(() => toAuditItem({ ...record, encryptedHeaders: Buffer.alloc(0) })).toThrow(
      /encryptedHeaders must be non-empty/,
    );
  });

  it('reads an item whose sort key does not match its fields as malformed', () => {
    const item = { ...toAuditItem(auditRecord()), sk: { S: 'elsewhere' } };
    expect(() => fromAuditItem(item)).toThrow(MalformedAuditItemError);
  });
});

describe('writeAttempt and findByDeliveryId', () => {
  it('stores a rejected attempt, sealed, and finds it by delivery id', async () => {
    const record = auditRecord({ deliveryId: 'evt_find' });
    await store.writeAttempt(record);
    expect(await reader.findByDeliveryId('evt_find')).toEqual({
      records: [sealedAs(record, 'record')],
      malformed: [],
    });
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
    const { records } = await reader.findByDeliveryId('evt_retry');
    expect(records).toEqual([later, second, first].map((record) => sealedAs(record, 'record')));
  });

  it('round-trips generated records through DynamoDB', async () => {
    await fc.assert(
      fc.asyncProperty(auditRecordArbitrary, async (generated) => {
        const record = { ...generated, receivedAtMs: t0, retentionClass: 'standard' as const };
        const { outcome } = record;
        if (outcome === 'accepted') return;
        await store.writeAttempt(record);
        const { records } = await reader.findByDeliveryId(record.deliveryId);
        expect(records).toContainEqual(sealedAs(record, 'record'));
      }),
      { numRuns: 25 },
    );
  });

  it('never overwrites an item: a record whose key is taken leaves what is there', async () => {
    const record = auditRecord({ deliveryId: 'evt_once', requestId: 'req-once' });
    await store.writeAttempt(record);
    const { pk, sk } = toAuditItem(record);
    const key = { pk, sk } as Record<string, AttributeValue>;
    const { Item: first } = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }),
    );
    // The same key again (the SDK's retry of an applied write, or anything else): no change.
    await store.writeAttempt({ ...record, reason: 'another_reason' });
    const { Item: after } = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }),
    );
    expect(after).toEqual(first);
  });

  it('leaves accepted records to the claim', async () => {
    await expect(store.writeAttempt(accepted())).rejects.toThrow(InvalidAuditRecordError);
  });

  it('hides records past their retention that TTL has not deleted yet', async () => {
    const record = auditRecord({ deliveryId: 'evt_old', retentionClass: 'minimal' });
    await store.writeAttempt(record);
    const shortClock = { now: () => t0 + 30 * dayMs };
    const later = new AuditReader({ ...stackOptions(), now: shortClock.now });
    expect((await later.findByDeliveryId('evt_old')).records).toEqual([]);
    const justBefore = new AuditReader({ ...stackOptions(), now: () => t0 + 30 * dayMs - 1000 });
    expect((await justBefore.findByDeliveryId('evt_old')).records).toEqual([
      sealedAs(record, 'record'),
    ]);
  });

  it('lists a malformed item apart instead of failing the whole answer', async () => {
    const good = auditRecord({ deliveryId: 'evt_bad' });
    await store.writeAttempt(good);
    const item = { ...toAuditItem(auditRecord({ deliveryId: 'evt_bad' })), sourceIp: { S: 'x' } };
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: item }));
    const { records, malformed } = await reader.findByDeliveryId('evt_bad');
    expect(records).toEqual([sealedAs(good, 'record')]);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.message).toMatch(/sourceIp/);
  });
});

describe('when DynamoDB is down', () => {
  beforeAll(() => stack.stopDynamoDb());

  it.each([
    ['writeAttempt', () => store.writeAttempt(auditRecord())],
    [
      'writePayloadCopy',
      () => store.writePayloadCopy(accepted({ encryptedPayload: Buffer.of(1) })),
    ],
    [
      'release',
      () => new DeliveryClaims({ ...stackOptions(), sealer: stack.sealer }).release(accepted()),
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
