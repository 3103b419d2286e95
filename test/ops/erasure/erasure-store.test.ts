/**
 * Erasure of audit records against DynamoDB Local and the payload bucket in fauxqs: what a
 * request selects, what erasing a record removes (its payload copy, its delivery's bodies in
 * the bucket, its personal fields) and keeps, that the stores still read an erased record, and
 * the rules an erased record follows both ways.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryClaims } from '../../../functions/audit/delivery-claims.ts';
import {
  archivedSortKey,
  deliveryKey,
  deliveryPartitionKey,
  fromDeliveryItem,
} from '../../../functions/audit/delivery-item.ts';
import {
  InvalidAuditRecordError,
  MalformedAuditItemError,
} from '../../../functions/audit/errors.ts';
import {
  type AuditItem,
  type AuditRecord,
  auditPartitionKey,
  auditShardOf,
  auditSortKey,
  fromAuditItem,
  payloadSortKey,
  toAuditItem,
  toPayloadItem,
} from '../../../functions/audit/record.ts';
import { payloadBucket } from '../../../functions/config/buckets.ts';
import { BodyObjects } from '../../../functions/queue/body-objects.ts';
import { bodyObjectPrefix } from '../../../functions/queue/deduplication.ts';
import { AuditReader } from '../../../ops/audit/audit-reader.ts';
import { BodyObjectErasure } from '../../../ops/erasure/body-object-erasure.ts';
import { type ErasureReceipt, erasureLimits } from '../../../ops/erasure/erasure-receipt.ts';
import { ErasureStore, ErasureTally, type RecordKey } from '../../../ops/erasure/erasure-store.ts';
import { SealChecker } from '../../../ops/integrity/seal-check.ts';
import {
  accepted,
  anySeal,
  auditRecord,
  auditRecordArbitrary,
  operatorErasureSeal,
} from '../../support/audit-records.ts';
import { writeAccepted } from '../../support/delivery-items.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../../support/stack.ts';

const hourMs = 3_600_000;
/** What erasure must remove, spelled out here rather than read from the code under test. */
const personalFields = ['encryptedHeaders', 'sourceIp', 'userAgent', 'subjectHash'];
/** And from an item, with them: the seal's MAC over them. */
const personalAttributes = [...personalFields, 'sealPersonal'];
const t0 = Date.parse('2099-03-01T12:00:00.000Z');
const aliceHash = 'a1'.repeat(32);
const bobHash = 'b0'.repeat(32);
const marker = { erasedAtMs: t0 + 10 * hourMs, receiptId: 'f3b6c2de-0d55-4c43-9a43-3f1f0f3c1a01' };

let stack: AuditStack;
let s3: S3Client;
let bodyObjects: BodyObjectErasure;
let erasure: ErasureStore;
let audit: AuditReader;

/** Keeps a body of `shop`'s delivery in the payload bucket, as the ingest Lambda does. */
const keepBody = (deliveryId: string, text: string) =>
  new BodyObjects({ s3, bucketName: payloadBucket.localName }).put(
    'shop',
    deliveryId,
    Buffer.from(text),
  );

/** The keys under a delivery's prefix now. */
async function bodyKeys(deliveryId: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({
      Bucket: payloadBucket.localName,
      Prefix: bodyObjectPrefix('shop', deliveryId),
    }),
  );
  return Contents.map((object) => String(object.Key));
}

/** An accepted delivery of `shop` with a payload copy, about `subjectHash` when given. */
function delivery(deliveryId: string, receivedAtMs: number, subjectHash?: string): AuditRecord {
  return accepted({
    providerId: 'shop',
    deliveryId,
    receivedAtMs,
    encryptedPayload: Buffer.from(`payload of ${deliveryId}`),
    ...(subjectHash === undefined ? {} : { subjectHash }),
  });
}

/** Writes `record` as a record item, sealed as ingest seals it, and its payload copy. */
async function put(record: AuditRecord): Promise<RecordKey> {
  const sealed = await stack.sealer.sealRecord(record);
  const items = [toAuditItem(sealed), toPayloadItem(record)].filter((item) => item !== undefined);
  for (const item of items) {
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: item }));
  }
  const item = items[0] as AuditItem;
  return { pk: item.pk?.S as string, sk: item.sk?.S as string };
}

async function getItem(key: RecordKey): Promise<AuditItem | undefined> {
  const { Item } = await stack.dynamodb.send(
    new GetItemCommand({
      TableName: stack.tableName,
      Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

async function scanAll(): Promise<AuditItem[]> {
  const { Items = [] } = await stack.dynamodb.send(
    new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
  );
  return Items;
}

/** What a check of each record's seal finds, as `audit verify` does: undefined where it verifies. */
async function sealFindings(records: readonly AuditRecord[]) {
  const checker = new SealChecker({ kms: stack.kms });
  try {
    return await Promise.all(records.map((record) => checker.check({ kind: 'record', record })));
  } finally {
    checker.clear();
  }
}

const keyText = (key: RecordKey) => `${key.pk} ${key.sk}`;
const sorted = (keys: readonly RecordKey[]) => keys.map(keyText).sort();

let alice1: RecordKey;
let alice2: RecordKey;
let aliceDuplicate: RecordKey;
let bob: RecordKey;
let early: RecordKey;
let late: RecordKey;

beforeAll(async () => {
  stack = await startAuditStack();
  s3 = new S3Client({});
  bodyObjects = new BodyObjectErasure({ s3, bucketName: payloadBucket.localName });
  erasure = new ErasureStore({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    sealer: stack.operatorSealer,
    bodyObjects,
  });
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: stack.tableName, now: () => t0 });
  alice1 = await put(delivery('evt_alice_1', t0 - 3 * hourMs, aliceHash));
  alice2 = await put(delivery('evt_alice_2', t0 - 2 * hourMs, aliceHash));
  const { reason: _reason, ...duplicate } = auditRecord({
    providerId: 'shop',
    deliveryId: 'evt_alice_1',
    receivedAtMs: t0 - 2.5 * hourMs,
    outcome: 'duplicate',
    reason: 'already_accepted',
    subjectHash: aliceHash,
  });
  aliceDuplicate = await put({ ...duplicate, reason: 'already_accepted' });
  bob = await put(delivery('evt_bob', t0 - 2 * hourMs, bobHash));
  early = await put(delivery('evt_early', t0 - 30 * hourMs));
  late = await put(delivery('evt_late', t0 + 30 * hourMs));
  // Bodies too large for their messages: bob's retried with other bytes, so two objects.
  await keepBody('evt_alice_1', 'the body of alice 1');
  await keepBody('evt_bob', 'the body of bob');
  await keepBody('evt_bob', 'the body of bob, sent again with other bytes');
  await keepBody('evt_late', 'the body of late');
}, startBudgetMs);

afterAll(async () => {
  s3?.destroy();
  await stack?.close();
});

describe('selecting the records a request names', () => {
  it('finds a delivery by id under any provider, or under one', async () => {
    expect(
      sorted(await erasure.selectRecords({ kind: 'delivery', deliveryId: 'evt_alice_1' })),
    ).toEqual(sorted([alice1, aliceDuplicate]));
    const narrowed = await erasure.selectRecords({
      kind: 'delivery',
      deliveryId: 'evt_alice_1',
      providerId: 'other',
    });
    expect(narrowed).toEqual([]);
  });

  it("finds a subject's records, duplicates included, by the keyed hash alone", async () => {
    const keys = await erasure.selectRecords({
      kind: 'subject',
      providerId: 'shop',
      subjectHash: aliceHash,
    });
    expect(sorted(keys)).toEqual(sorted([alice1, alice2, aliceDuplicate]));
    expect(
      await erasure.selectRecords({ kind: 'subject', providerId: 'other', subjectHash: aliceHash }),
    ).toEqual([]);
  });

  it("finds a provider's records in a time range over every shard, never the payload copies", async () => {
    const keys = await erasure.selectRecords({
      kind: 'range',
      providerId: 'shop',
      sinceMs: t0 - 4 * hourMs,
      untilMs: t0,
    });
    expect(sorted(keys)).toEqual(sorted([alice1, alice2, aliceDuplicate, bob]));
  });
});

describe('surveying (a dry run)', () => {
  it('counts what erasing would do and writes nothing', async () => {
    const before = await scanAll();
    const survey = await erasure.survey([alice1, aliceDuplicate, { pk: 'shop#0', sk: 'gone' }]);
    expect(survey).toEqual({
      recordsToErase: 2,
      recordsAlreadyErased: 0,
      recordsNotFound: 1,
      payloadCopies: 1,
      // The first attempt and its duplicate share one delivery's body: counted once.
      bodyObjects: 1,
    });
    expect(await scanAll()).toEqual(before);
    expect(await bodyKeys('evt_alice_1')).toHaveLength(1);
  });
});

describe('erasing a record', () => {
  it('deletes its payload copy and bodies, removes its personal fields and keeps the skeleton with a marker', async () => {
    const before = (await getItem(bob)) as AuditItem;
    expect(await bodyKeys('evt_bob')).toHaveLength(2);
    const result = await erasure.eraseRecord(bob, marker);
    expect(result).toEqual({
      outcome: 'erased',
      payloadCopyDeleted: true,
      bodyObjectsDeleted: 2,
      retentionClass: 'standard',
      expiresAtSeconds: Number(before.expiresAt?.N),
    });
    expect(await getItem({ pk: bob.pk, sk: payloadSortKey(bob.sk) })).toBeUndefined();
    expect(await bodyKeys('evt_bob')).toEqual([]);
    const after = (await getItem(bob)) as AuditItem;
    for (const name of personalAttributes) {
      expect(before[name]).toBeDefined();
      expect(after[name]).toBeUndefined();
    }
    const skeleton = Object.fromEntries(
      Object.entries(before).filter(([name]) => !personalAttributes.includes(name)),
    );
    expect(after).toEqual({
      ...skeleton,
      erasedAtMs: { N: String(marker.erasedAtMs) },
      erasureReceiptId: { S: marker.receiptId },
      ...operatorErasureSeal,
    });
    // The seal keeps its key and its fields MAC, unchanged, and they still verify.
    expect(after.sealKey).toEqual(before.sealKey);
    expect(after.seal).toEqual(before.seal);
    const record = fromAuditItem(after);
    expect(record.seal).toEqual(anySeal('record', { erased: true }));
    expect(await sealFindings([record])).toEqual([undefined]);
  });

  it('changes nothing when erased again, and says it was already erased', async () => {
    const before = await getItem(bob);
    const again = await erasure.eraseRecord(bob, { ...marker, receiptId: 'another-receipt' });
    expect(again).toEqual({
      outcome: 'already_erased',
      payloadCopyDeleted: false,
      bodyObjectsDeleted: 0,
    });
    expect(await getItem(bob)).toEqual(before);
  });

  it('lets one of two concurrent erasures win; the other counts it already erased', async () => {
    const outcomes = await Promise.all([
      erasure.eraseRecord(alice2, marker),
      erasure.eraseRecord(alice2, { ...marker, receiptId: 'the-other-receipt' }),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['already_erased', 'erased']);
    expect(outcomes.filter((outcome) => outcome.payloadCopyDeleted)).toHaveLength(1);
  });

  it('says not found for a record that is gone, and creates nothing', async () => {
    const gone = { pk: 'shop#3', sk: '2099-01-01T00:00:00.000Z#evt_gone#req-x' };
    expect(await erasure.eraseRecord(gone, marker)).toEqual({
      outcome: 'not_found',
      payloadCopyDeleted: false,
      bodyObjectsDeleted: 0,
    });
    expect(await getItem(gone)).toBeUndefined();
  });

  it('reaches a record past its expiresAt that the TTL has not deleted yet', async () => {
    // Past its 30 days by the stores' clock (t0, in 2099), not by DynamoDB Local's, whose TTL
    // would delete it from under the test.
    const { encryptedPayload: _payload, ...record } = delivery(
      'evt_expired',
      Date.now(),
      'c2'.repeat(32),
    );
    const expired = await put({ ...record, retentionClass: 'minimal' });
    expect((await audit.findByDeliveryId('evt_expired')).records).toEqual([]);
    const keys = await erasure.selectRecords({
      kind: 'subject',
      providerId: 'shop',
      subjectHash: 'c2'.repeat(32),
    });
    expect(keys).toEqual([expired]);
    expect((await erasure.eraseRecord(expired, marker)).outcome).toBe('erased');
    expect((await getItem(expired))?.sourceIp).toBeUndefined();
  });

  it('takes the erased record out of the subject index', async () => {
    expect(
      await erasure.selectRecords({ kind: 'subject', providerId: 'shop', subjectHash: bobHash }),
    ).toEqual([]);
  });

  it('tallies a batch, and the skeletons kept by class with their basis', async () => {
    const tally = new ErasureTally();
    const progress: number[] = [];
    const small = new ErasureStore({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      sealer: stack.operatorSealer,
      concurrency: 2,
      bodyObjects,
    });
    await small.eraseRecords([alice1, aliceDuplicate, bob], marker, tally, (handled) =>
      progress.push(handled),
    );
    expect(progress).toEqual([2, 3]);
    expect(tally.done).toEqual({
      recordsErased: 2,
      recordsAlreadyErased: 1,
      recordsNotFound: 0,
      payloadCopiesDeleted: 1,
      // alice 1's body, once for the first attempt and its duplicate; bob's went before.
      bodyObjectsDeleted: 1,
    });
    expect(await bodyKeys('evt_alice_1')).toEqual([]);
    expect(tally.retained).toEqual([
      {
        retentionClass: 'standard',
        records: 2,
        // The duplicate came later than the first attempt, so it is kept longer.
        keptUntilMs: Number((await getItem(aliceDuplicate))?.expiresAt?.N) * 1000,
        basis: expect.stringContaining('PCI DSS v4.0.1 10.5.1'),
      },
    ]);
  });

  it('leaves every record it was not asked about as it was', async () => {
    for (const key of [early, late]) {
      const item = await getItem(key);
      expect(item?.erasedAtMs).toBeUndefined();
      expect(item?.sourceIp).toBeDefined();
      expect(await getItem({ pk: key.pk, sk: payloadSortKey(key.sk) })).toBeDefined();
    }
    expect(await bodyKeys('evt_late')).toHaveLength(1);
  });

  it('deletes no body without a payload bucket, as in a stack deployed before it', async () => {
    const withoutBucket = new ErasureStore({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      sealer: stack.operatorSealer,
    });
    const result = await withoutBucket.eraseRecord(late, marker);
    expect(result).toMatchObject({ outcome: 'erased', bodyObjectsDeleted: 0 });
    expect(await bodyKeys('evt_late')).toHaveLength(1);
    // The next erasure with the bucket finishes the job, though the record is erased already.
    expect(await erasure.eraseRecord(late, marker)).toMatchObject({
      outcome: 'already_erased',
      bodyObjectsDeleted: 1,
    });
    expect(await bodyKeys('evt_late')).toEqual([]);
  });
});

describe('reading an erased record', () => {
  it('is returned by findByDeliveryId, without personal fields or payload copy', async () => {
    const { records, malformed } = await audit.findByDeliveryId('evt_bob');
    expect(malformed).toEqual([]);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      deliveryId: 'evt_bob',
      outcome: 'accepted',
      erasedAtMs: marker.erasedAtMs,
      erasureReceiptId: marker.receiptId,
    });
    for (const name of [...personalFields, 'encryptedPayload']) {
      expect(record).not.toHaveProperty(name);
    }
    expect(record?.seal).toEqual(anySeal('record', { erased: true }));
  });

  it("is returned by a provider's listing", async () => {
    const { records, malformed } = await audit.listByProvider({
      providerId: 'shop',
      sinceMs: t0 - 4 * hourMs,
      untilMs: t0,
      limit: 100,
    });
    expect(malformed).toEqual([]);
    expect(records.filter((record) => record.erasedAtMs !== undefined)).toHaveLength(4);
  });
});

describe('the rules of an erased record', () => {
  const erased = (record: AuditRecord): AuditRecord => {
    const {
      sourceIp: _ip,
      userAgent: _ua,
      encryptedHeaders: _headers,
      encryptedPayload: _payload,
      payloadEncoding: _encoding,
      subjectHash: _subject,
      ...skeleton
    } = record;
    return { ...skeleton, erasedAtMs: marker.erasedAtMs, erasureReceiptId: marker.receiptId };
  };

  it('round-trips any erased record through its item', () => {
    fc.assert(
      fc.property(auditRecordArbitrary, (record) => {
        expect(fromAuditItem(toAuditItem(erased(record)))).toEqual(erased(record));
      }),
    );
  });

  it.each([
    ['its source IP', { sourceIp: '203.0.113.7' }, /no sourceIp/],
    ['its user agent', { userAgent: 'Stripe/1.0' }, /no userAgent/],
    ['its headers', { encryptedHeaders: Buffer.of(1) }, /no encryptedHeaders/],
    ['its subject hash', { subjectHash: aliceHash }, /no subjectHash/],
  ])('refuses an erased record that keeps %s', (_, kept, problem) => {
    expect(() => toAuditItem({ ...erased(auditRecord()), ...kept })).toThrow(problem);
  });

  it('refuses half a marker', () => {
    const { erasureReceiptId: _receipt, ...half } = erased(auditRecord());
    expect(() => toAuditItem(half)).toThrow(/erasureReceiptId/);
  });

  it('refuses a record that is not erased but lacks its source IP, or has empty headers', () => {
    const { sourceIp: _ip, ...noIp } = auditRecord();
    expect(() => toAuditItem(noIp)).toThrow(InvalidAuditRecordError);
    expect(() => toAuditItem(auditRecord({ encryptedHeaders: Buffer.alloc(0) }))).toThrow(
      /encryptedHeaders/,
    );
    // Headers are optional now (a class that keeps none, a repeat): absent is not erased.
    const { encryptedHeaders: _headers, ...noHeaders } = auditRecord();
    expect(toAuditItem(noHeaders).encryptedHeaders).toBeUndefined();
  });

  it('reads a stored erased item that still holds a personal field as malformed', () => {
    const item = { ...toAuditItem(erased(auditRecord())), sourceIp: { S: '203.0.113.7' } };
    expect(() => fromAuditItem(item)).toThrow(MalformedAuditItemError);
  });

  it('refuses a subject hash on a rejected attempt, whose body was not verified', () => {
    expect(() => toAuditItem(auditRecord({ subjectHash: aliceHash }))).toThrow(/rejected attempt/);
    expect(() => toAuditItem(accepted({ subjectHash: 'ALICE' }))).toThrow(/subjectHash/);
  });

  it('keeps the erased fields out of the sort key, which stays the same', () => {
    const record = delivery('evt_key', t0);
    expect(toAuditItem(erased(record)).sk).toEqual({ S: auditSortKey(record) });
  });
});

describe('receipts', () => {
  const receiptAt = (receiptId: string, respondedAtMs: number): ErasureReceipt => ({
    receiptId,
    requestedAtMs: respondedAtMs - hourMs,
    respondedAtMs,
    actor: 'local:ada',
    request: { kind: 'delivery', deliveryId: 'evt_bob' },
    response: 'erased',
    done: {
      recordsErased: 1,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopiesDeleted: 1,
      bodyObjectsDeleted: 0,
    },
    retained: [],
    notReached: erasureLimits,
  });

  it('writes receipts and lists those of a time range, newest first', async () => {
    await erasure.writeReceipt(receiptAt('r-1', t0));
    await erasure.writeReceipt(receiptAt('r-2', t0 + hourMs));
    await erasure.writeReceipt(receiptAt('r-3', t0 + 5 * hourMs));
    const { receipts, malformed } = await erasure.listReceipts({
      sinceMs: t0,
      untilMs: t0 + 2 * hourMs,
      limit: 10,
    });
    expect(malformed).toEqual([]);
    expect(receipts).toEqual([receiptAt('r-2', t0 + hourMs), receiptAt('r-1', t0)]);
  });

  it('never overwrites a receipt', async () => {
    await expect(erasure.writeReceipt(receiptAt('r-1', t0))).rejects.toThrow(/PutItem/);
  });

  it('keeps receipts out of the delivery reads', async () => {
    const { records } = await audit.findByDeliveryId('evt_bob');
    expect(records).toHaveLength(1);
  });
});

describe('erasing a delivery item', () => {
  const daveHash = 'd4'.repeat(32);
  const itemAtMs = t0 + 50 * hourMs;
  let claims: DeliveryClaims;
  let first: AuditRecord;
  let item: RecordKey;
  let refused: RecordKey;

  /** Where a delivery's current item is. */
  const itemKeyOf = (deliveryId: string): RecordKey => ({
    pk: deliveryPartitionKey(deliveryId),
    sk: deliveryKey('shop', deliveryId).sk?.S as string,
  });
  /** Where the accepted record's payload copy is: beside the record it would be in the table. */
  const copyKeyOf = (record: AuditRecord): RecordKey => ({
    pk: auditPartitionKey(record.providerId, auditShardOf(record.deliveryId)),
    sk: payloadSortKey(auditSortKey(record)),
  });
  /** A later attempt of `record`'s delivery, from another address, appended to its item. */
  const repeatOf = (record: AuditRecord, laterMs: number, suffix: string): AuditRecord => ({
    ...record,
    requestId: `${record.requestId}-${suffix}`,
    receivedAtMs: record.receivedAtMs + laterMs,
    sourceIp: '198.51.100.23',
    userAgent: `Retry/${suffix}`,
  });
  const repeatTimes = (record: AuditRecord) => ({
    sendingUntilMs: record.receivedAtMs,
    dedupUntilMs: record.receivedAtMs + hourMs,
  });
  /** The stack's client, running `before` ahead of the first UpdateItem sent through it. */
  const beforeFirstUpdate = (before: () => Promise<unknown>): DynamoDBClient => {
    let pending = true;
    return {
      send: async (command: unknown) => {
        if (pending && command instanceof UpdateItemCommand) {
          pending = false;
          await before();
        }
        return stack.dynamodb.send(command as GetItemCommand);
      },
    } as unknown as DynamoDBClient;
  };
  /**
   * The item as erasure must leave it: no personal field nor the seal's MAC over them,
   * attempts without ip, ua and their seal's personal MAC (sp), each seal's key and fields MAC
   * kept.
   */
  const erasedItem = (before: AuditItem): AuditItem => {
    const {
      encryptedHeaders: _headers,
      subjectHash: _subject,
      sealPersonal: _sealPersonal,
      attempts,
      ...skeleton
    } = before;
    return {
      ...skeleton,
      attempts: {
        L: (attempts?.L ?? []).map(
          ({ M = {} }) => ({ M: { r: M.r, t: M.t, k: M.k, s: M.s } }) as AuditItem[string],
        ),
      },
      // Never before the latest attempt it erases.
      erasedAtMs: {
        N: String(
          Math.max(marker.erasedAtMs, ...(attempts?.L ?? []).map(({ M }) => Number(M?.t?.N))),
        ),
      },
      erasureReceiptId: { S: marker.receiptId },
      ...operatorErasureSeal,
    };
  };

  beforeAll(async () => {
    claims = new DeliveryClaims({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      sealer: stack.sealer,
    });
    first = delivery('evt_item', itemAtMs, daveHash);
    await writeAccepted(stack.dynamodb, stack.tableName, first);
    const repeat = repeatOf(first, 60_000, 'a');
    expect(await claims.claim(repeat, repeatTimes(repeat))).toEqual({
      outcome: 'duplicate',
      recorded: true,
    });
    item = itemKeyOf('evt_item');
    // The same delivery refused once before it was accepted: a record of its own.
    refused = await put(
      auditRecord({ providerId: 'shop', deliveryId: 'evt_item', receivedAtMs: itemAtMs - 60_000 }),
    );
    await keepBody('evt_item', 'the body of the delivery item');
  });

  it('is selected by delivery id (with the other records of the delivery), by subject and by time range', async () => {
    for (const providerId of [undefined, 'shop']) {
      const keys = await erasure.selectRecords({
        kind: 'delivery',
        deliveryId: 'evt_item',
        ...(providerId === undefined ? {} : { providerId }),
      });
      expect(sorted(keys)).toEqual(sorted([item, refused]));
    }
    expect(
      await erasure.selectRecords({ kind: 'delivery', deliveryId: 'evt_item', providerId: 'sho' }),
    ).toEqual([]);
    expect(
      await erasure.selectRecords({ kind: 'subject', providerId: 'shop', subjectHash: daveHash }),
    ).toEqual([item]);
    const range = { kind: 'range', providerId: 'shop', sinceMs: itemAtMs - hourMs } as const;
    expect(sorted(await erasure.selectRecords({ ...range, untilMs: itemAtMs + hourMs }))).toEqual(
      sorted([item, refused]),
    );
    // Listed by the accepted attempt's time: a range that ends before it leaves the item out.
    expect(await erasure.selectRecords({ ...range, untilMs: itemAtMs - 1 })).toEqual([refused]);
  });

  it("is surveyed with its payload copy, and its delivery's body once", async () => {
    const before = await scanAll();
    expect(await erasure.survey([item, refused])).toEqual({
      recordsToErase: 2,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopies: 1,
      bodyObjects: 1,
    });
    expect(await scanAll()).toEqual(before);
  });

  it("loses its payload copy, bodies, personal fields and every attempt's address, and keeps the rest with a marker", async () => {
    const before = (await getItem(item)) as AuditItem;
    expect(before.attempts?.L?.map(({ M }) => M?.ip?.S)).toEqual(['203.0.113.7', '198.51.100.23']);
    // Sealed by the claims: the record's seal and each attempt's, with their personal MACs.
    expect(before.sealPersonal?.B).toBeDefined();
    expect(before.attempts?.L?.map(({ M }) => M?.sp?.B !== undefined)).toEqual([true, true]);
    expect(await getItem(copyKeyOf(first))).toBeDefined();
    const result = await erasure.eraseRecord(item, marker);
    expect(result).toEqual({
      outcome: 'erased',
      payloadCopyDeleted: true,
      bodyObjectsDeleted: 1,
      retentionClass: 'standard',
      expiresAtSeconds: Number(before.expiresAt?.N),
    });
    const after = (await getItem(item)) as AuditItem;
    expect(after).toEqual(erasedItem(before));
    expect(after.encryptedHeaders).toBeUndefined();
    expect(after.subjectHash).toBeUndefined();
    expect(await getItem(copyKeyOf(first))).toBeUndefined();
    expect(await bodyKeys('evt_item')).toEqual([]);
    // Still read as the accepted record and its duplicate, both erased.
    const records = fromDeliveryItem(after);
    expect(records.map((record) => [record.outcome, record.erasureReceiptId])).toEqual([
      ['accepted', marker.receiptId],
      ['duplicate', marker.receiptId],
    ]);
    for (const record of records) {
      for (const name of personalFields) expect(record).not.toHaveProperty(name);
    }
    // Each seal without its personal MAC, its fields MAC still verifying.
    expect(records.map((record) => record.seal)).toEqual([
      anySeal('record', { erased: true }),
      anySeal('attempt', { erased: true }),
    ]);
    expect(await sealFindings(records)).toEqual([undefined, undefined]);
    expect(
      await erasure.selectRecords({ kind: 'subject', providerId: 'shop', subjectHash: daveHash }),
    ).toEqual([]);
  });

  it('is counted already erased when asked again, and no later attempt brings an address back', async () => {
    const before = await getItem(item);
    expect(await erasure.eraseRecord(item, { ...marker, receiptId: 'another-receipt' })).toEqual({
      outcome: 'already_erased',
      payloadCopyDeleted: false,
      bodyObjectsDeleted: 0,
    });
    expect(await erasure.survey([item])).toMatchObject({
      recordsToErase: 0,
      recordsAlreadyErased: 1,
      payloadCopies: 0,
    });
    const later = repeatOf(first, 120_000, 'b');
    expect(await claims.claim(later, repeatTimes(later))).toEqual({
      outcome: 'duplicate',
      recorded: false,
    });
    expect(await getItem(item)).toEqual(before);
  });

  it('erases the attempt appended between its read and its write too, and tallies the item', async () => {
    const raced = delivery('evt_raced', itemAtMs);
    await writeAccepted(stack.dynamodb, stack.tableName, raced);
    const key = itemKeyOf('evt_raced');
    const repeat = repeatOf(raced, 60_000, 'raced');
    const racing = new ErasureStore({
      dynamodb: beforeFirstUpdate(() => claims.claim(repeat, repeatTimes(repeat))),
      tableName: stack.tableName,
      sealer: stack.operatorSealer,
    });
    const tally = new ErasureTally();
    await racing.eraseRecords([key], marker, tally);
    const after = (await getItem(key)) as AuditItem;
    // Each attempt keeps its request, time and its seal's key and fields MAC (k, s) only.
    expect(after.attempts?.L?.map(({ M }) => Object.keys(M ?? {}).sort())).toEqual([
      ['k', 'r', 's', 't'],
      ['k', 'r', 's', 't'],
    ]);
    expect(after.sealPersonal).toBeUndefined();
    expect(after.erasureReceiptId).toEqual({ S: marker.receiptId });
    expect(tally.done).toEqual({
      recordsErased: 1,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopiesDeleted: 1,
      bodyObjectsDeleted: 0,
    });
    expect(tally.retained).toEqual([
      {
        retentionClass: 'standard',
        records: 1,
        keptUntilMs: Number(after.expiresAt?.N) * 1000,
        basis: expect.stringContaining('PCI DSS v4.0.1 10.5.1'),
      },
    ]);
  });

  it('follows an item that a new delivery of the same id moved aside meanwhile', async () => {
    const moved = delivery('evt_moved', itemAtMs);
    await writeAccepted(stack.dynamodb, stack.tableName, moved, { dedupWindowSeconds: 60 });
    const key = itemKeyOf('evt_moved');
    // The same id again after the dedup window: a new delivery, which replaces the item.
    const next = repeatOf(moved, 120_000, 'next');
    const moving = new ErasureStore({
      dynamodb: beforeFirstUpdate(async () => {
        const claim = await claims.claim(next, repeatTimes(next));
        if (claim.outcome !== 'window_passed') throw new Error(`not replaced: ${claim.outcome}`);
        expect(await claims.replace(claim.previous, next, repeatTimes(next))).toBe('claimed');
      }),
      tableName: stack.tableName,
      sealer: stack.operatorSealer,
    });
    expect(await moving.eraseRecord(key, marker)).toMatchObject({
      outcome: 'erased',
      payloadCopyDeleted: true,
    });
    const archived = await getItem({ pk: key.pk, sk: archivedSortKey('shop', moved.requestId) });
    expect(archived?.erasureReceiptId).toEqual({ S: marker.receiptId });
    expect(archived?.attempts?.L?.[0]?.M?.ip).toBeUndefined();
    expect(archived?.encryptedHeaders).toBeUndefined();
    // The new delivery came after the request: left as it is.
    const current = await getItem(key);
    expect(current?.erasedAtMs).toBeUndefined();
    expect(current?.attempts?.L?.[0]?.M?.ip).toEqual({ S: '198.51.100.23' });
  });
});
