/**
 * The operator's reads of delivery records against DynamoDB Local: listings merged over the
 * shards, ranges to the millisecond, records past their retention hidden, and accepted
 * deliveries (delivery items with their repeats) read beside the other records. Finding a
 * delivery's attempts is also tested with their writes (test/audit/audit-store.test.ts);
 * reading a range in batches with `audit export` (test/cli/audit-export.test.ts).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../../functions/audit/audit-store.ts';
import { DeliveryClaims } from '../../../functions/audit/delivery-claims.ts';
import { MalformedAuditItemError } from '../../../functions/audit/errors.ts';
import {
  type AuditRecord,
  auditPartitionKey,
  auditShardOf,
  auditSortKey,
} from '../../../functions/audit/record.ts';
import { DependencyUnavailableError } from '../../../functions/aws/errors.ts';
import { type AuditBatch, AuditReader } from '../../../ops/audit/audit-reader.ts';
import { InvalidAuditQueryError } from '../../../ops/audit/errors.ts';
import { accepted, auditRecord, sealedAs } from '../../support/audit-records.ts';
import { manualClock } from '../../support/clock.ts';
import { writeAccepted } from '../../support/delivery-items.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../../support/stack.ts';

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
  /** As the reader returns them: each sealed as a record. */
  const stored = records.map((record) => sealedAs(record, 'record'));
  const newestFirst = [...stored].reverse();

  beforeAll(async () => {
    await Promise.all(records.map((record) => store.writeAttempt(record)));
    expect(new Set(records.map((r) => auditShardOf(r.deliveryId))).size).toBeGreaterThan(4);
  });

  it('merges every shard newest first', async () => {
    const listing = await reader.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      limit: 100,
    });
    expect(listing).toEqual({ records: newestFirst, malformed: [] });
  });

  it('includes both ends of the range, to the millisecond', async () => {
    const { records: inRange } = await reader.listByProvider({
      providerId,
      sinceMs: t0 + 5 * minute,
      untilMs: t0 + 9 * minute,
      limit: 100,
    });
    expect(inRange).toEqual(stored.slice(5, 10).reverse());
  });

  it('returns the newest `limit` records', async () => {
    const { records: page } = await reader.listByProvider({
      providerId,
      sinceMs: t0,
      untilMs: t0 + dayMs,
      limit: 5,
    });
    expect(page).toEqual(newestFirst.slice(0, 5));
  });

  it('filters by outcome', async () => {
    const { records: duplicates } = await reader.listByProvider({
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
    const later = new AuditReader({ ...stackOptions(), now: () => t0 + 31 * dayMs });
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
    await expect(reader.listByProvider(query)).rejects.toThrow(InvalidAuditQueryError);
    await expect(reader.listByProvider(query)).rejects.toThrow(/since <= until.*limit/);
  });
});

describe('accepted deliveries', () => {
  const providerId = 'shopper';
  const second = 1_000;
  const tD = t0 + 2 * dayMs;
  const claims = () => new DeliveryClaims({ ...stackOptions(), sealer: stack.sealer });
  // evt_acc_1: refused once, then accepted, then repeated twice: once while its send could
  // still be under way (503, in_flight), once after (200, already_accepted).
  const refused = auditRecord({
    providerId,
    deliveryId: 'evt_acc_1',
    receivedAtMs: tD - 30 * second,
  });
  const first = accepted({
    providerId,
    deliveryId: 'evt_acc_1',
    receivedAtMs: tD,
    encryptedPayload: Buffer.from('the payload copy'),
  });
  const whileSending = accepted({
    providerId,
    deliveryId: 'evt_acc_1',
    receivedAtMs: tD + 2 * second,
    sourceIp: '198.51.100.2',
    userAgent: 'retry/1',
  });
  const afterSending = accepted({
    providerId,
    deliveryId: 'evt_acc_1',
    receivedAtMs: tD + 60 * second,
    sourceIp: '198.51.100.3',
  });
  const other = accepted({ providerId, deliveryId: 'evt_acc_2', receivedAtMs: tD + 30 * second });
  const later = auditRecord({
    providerId,
    deliveryId: 'evt_rej_3',
    receivedAtMs: tD + 90 * second,
  });
  // The same delivery id, accepted for another provider: `show` finds it too.
  const elsewhere = accepted({
    providerId: 'shopper-eu',
    deliveryId: 'evt_acc_1',
    receivedAtMs: tD + 5 * second,
  });

  /**
   * A repeat as the reader takes it out of the delivery item: no headers, no key id, and the
   * seal of its attempt only.
   */
  const asRepeat = (repeat: AuditRecord, reason: string): AuditRecord => {
    const { keyId: _key, encryptedHeaders: _headers, ...rest } = repeat;
    return sealedAs({ ...rest, outcome: 'duplicate', reason }, 'attempt');
  };
  // The other records as the reader returns them: each sealed as a record.
  const { encryptedPayload: _payload, ...firstWithoutCopy } = first;
  const firstAsListed = sealedAs(firstWithoutCopy, 'record');
  const firstAsFound = sealedAs(first, 'record');
  const [refusedAsRead, laterAsRead, otherAsRead, elsewhereAsRead] = [
    refused,
    later,
    other,
    elsewhere,
  ].map((record) => sealedAs(record, 'record'));
  const inFlight = asRepeat(whileSending, 'in_flight');
  const alreadyAccepted = asRepeat(afterSending, 'already_accepted');
  const newestFirst = [
    laterAsRead,
    alreadyAccepted,
    otherAsRead,
    inFlight,
    firstAsListed,
    refusedAsRead,
  ];
  const range = { providerId, sinceMs: tD - 60 * second, untilMs: tD + dayMs };

  beforeAll(async () => {
    const times = { sendingUntilMs: tD + 5 * second, dedupUntilMs: tD + 3_600 * second };
    expect(await claims().claim(first, times)).toEqual({ outcome: 'claimed' });
    await store.writePayloadCopy(first);
    expect(await claims().claim(whileSending, times)).toEqual({
      outcome: 'in_flight',
      recorded: true,
    });
    expect(await claims().claim(afterSending, times)).toEqual({
      outcome: 'duplicate',
      recorded: true,
    });
    await writeAccepted(stack.dynamodb, stack.tableName, other);
    await writeAccepted(stack.dynamodb, stack.tableName, elsewhere);
    await store.writeAttempt(refused);
    await store.writeAttempt(later);
  });

  it('lists a delivery item as its accepted attempt and each repeat, merged with the records', async () => {
    const listing = await reader.listByProvider({ ...range, limit: 100 });
    expect(listing).toEqual({ records: newestFirst, malformed: [] });
    expect(listing.records.map((record) => [record.outcome, record.reason])).toEqual([
      ['rejected', 'signature_mismatch'],
      ['duplicate', 'already_accepted'],
      ['accepted', undefined],
      ['duplicate', 'in_flight'],
      ['accepted', undefined],
      ['rejected', 'signature_mismatch'],
    ]);
  });

  it('cuts to the limit and filters by outcome across records and delivery items', async () => {
    const top = await reader.listByProvider({ ...range, limit: 3 });
    expect(top.records).toEqual(newestFirst.slice(0, 3));
    const duplicates = await reader.listByProvider({ ...range, outcome: 'duplicate', limit: 10 });
    expect(duplicates.records).toEqual([alreadyAccepted, inFlight]);
    const acceptedOnly = await reader.listByProvider({ ...range, outcome: 'accepted', limit: 10 });
    expect(acceptedOnly.records).toEqual([otherAsRead, firstAsListed]);
    const rejected = await reader.listByProvider({ ...range, outcome: 'rejected', limit: 10 });
    expect(rejected.records).toEqual([laterAsRead, refusedAsRead]);
  });

  it('leaves out repeats past the range, and (known limit) those of a delivery accepted before it', async () => {
    const early = await reader.listByProvider({ ...range, untilMs: tD + 10 * second, limit: 10 });
    expect(early.records).toEqual([inFlight, firstAsListed, refusedAsRead]);
    const afterAccepted = await reader.listByProvider({
      ...range,
      sinceMs: tD + second,
      limit: 10,
    });
    expect(afterAccepted.records).toEqual([laterAsRead, otherAsRead]);
  });

  it('finds every attempt of a delivery id, newest first, the payload copy on the accepted one', async () => {
    const listing = await reader.findByDeliveryId('evt_acc_1');
    expect(listing).toEqual({
      records: [alreadyAccepted, elsewhereAsRead, inFlight, firstAsFound, refusedAsRead],
      malformed: [],
    });
    expect(listing.records[3]?.encryptedPayload).toEqual(Buffer.from('the payload copy'));
  });

  it('reads the range oldest first, delivery items and records merged', async () => {
    const oldestFirst = [...newestFirst].reverse();
    for (const pageSize of [1, 2, undefined]) {
      const batches: AuditBatch[] = [];
      for await (const batch of reader.readRangeByProvider({
        ...range,
        ...(pageSize === undefined ? {} : { pageSize }),
      })) {
        batches.push(batch);
      }
      expect(batches.flatMap((batch) => batch.records)).toEqual(oldestFirst);
      expect(batches.flatMap((batch) => batch.malformed)).toEqual([]);
    }
  });

  it('hides delivery items past their retention', async () => {
    const expiring = accepted({
      providerId: 'shopper-min',
      deliveryId: 'evt_acc_min',
      receivedAtMs: tD + 45 * second,
      retentionClass: 'minimal',
    });
    await writeAccepted(stack.dynamodb, stack.tableName, expiring);
    const expiringAsRead = sealedAs(expiring, 'record');
    expect((await reader.findByDeliveryId('evt_acc_min')).records).toEqual([expiringAsRead]);
    const afterRetention = new AuditReader({ ...stackOptions(), now: () => tD + 31 * dayMs });
    const query = { ...range, providerId: 'shopper-min', limit: 100 };
    expect((await reader.listByProvider(query)).records).toEqual([expiringAsRead]);
    expect((await afterRetention.listByProvider(query)).records).toEqual([]);
    expect((await afterRetention.findByDeliveryId('evt_acc_min')).records).toEqual([]);
  });
});

describe('a delivery item that cannot be read', () => {
  const providerId = 'broken';
  const tB = t0 + 3 * dayMs;
  const good = auditRecord({ providerId, deliveryId: 'evt_good', receivedAtMs: tB });
  const range = { providerId, sinceMs: tB - dayMs, untilMs: tB + dayMs };

  beforeAll(async () => {
    await store.writeAttempt(good);
    // Its attempts are gone: fromDeliveryItem refuses it.
    const listSk = auditSortKey({ receivedAtMs: tB + 1, deliveryId: 'evt_bad', requestId: 'r-1' });
    await stack.dynamodb.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: {
          pk: { S: 'd#evt_bad' },
          sk: { S: `p#${providerId}` },
          listPk: { S: auditPartitionKey(providerId, auditShardOf('evt_bad')) },
          listSk: { S: listSk },
          bodySha256: { S: 'a'.repeat(64) },
          retentionClass: { S: 'standard' },
        },
      }),
    );
  });

  it('is listed apart in every read, the other records still read', async () => {
    const listing = await reader.listByProvider({ ...range, limit: 10 });
    expect(listing.records).toEqual([sealedAs(good, 'record')]);
    expect(listing.malformed).toEqual([expect.any(MalformedAuditItemError)]);
    expect(listing.malformed[0]?.message).toMatch(/attempts is not a list/);

    const found = await reader.findByDeliveryId('evt_bad');
    expect(found.records).toEqual([]);
    expect(found.malformed).toEqual([expect.any(MalformedAuditItemError)]);

    const batches: AuditBatch[] = [];
    for await (const batch of reader.readRangeByProvider(range)) batches.push(batch);
    expect(batches.flatMap((batch) => batch.records)).toEqual([sealedAs(good, 'record')]);
    expect(batches.flatMap((batch) => batch.malformed)).toHaveLength(1);
  });
});

describe('when DynamoDB is down', () => {
  beforeAll(() => stack.stopDynamoDb());

  it.each([
    ['findByDeliveryId', () => reader.findByDeliveryId('evt_1')],
    [
      'listByProvider',
      () => reader.listByProvider({ providerId: 'p', sinceMs: t0, untilMs: t0, limit: 1 }),
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
