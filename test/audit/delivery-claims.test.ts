import { type AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import {
  type ClaimTimes,
  deliveryKey,
  fromDeliveryItem,
  maxItemAttempts,
} from '../../functions/audit/delivery-item.ts';
import { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import { type AuditRecord, auditExpiresAt } from '../../functions/audit/record.ts';
import { createSealer } from '../../functions/audit/record-seal.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { accepted, sealedAs } from '../support/audit-records.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../support/stack.ts';

let stack: AuditStack;
let claims: DeliveryClaims;
const providerId = 'stripe-live';
const startMs = Date.UTC(2026, 11, 6, 8, 0, 0);
const sendingMs = 7_500;
const windowMs = 3_600_000;
let deliveryCounter = 0;

beforeAll(async () => {
  stack = await startAuditStack();
  claims = new DeliveryClaims({
    dynamodb: stack.dynamodb,
    tableName: stack.tableName,
    sealer: stack.sealer,
  });
}, startBudgetMs);

afterAll(() => stack?.close());

/** A delivery id no other test has claimed. */
const freshDelivery = () => {
  deliveryCounter += 1;
  return `evt_claim_${deliveryCounter}`;
};

/** Attempt `n` of a delivery, `afterMs` after the first, from its own address. */
const attempt = (deliveryId: string, n: number, afterMs = 0): AuditRecord =>
  accepted({
    providerId,
    deliveryId,
    requestId: `req-${n}`,
    receivedAtMs: startMs + afterMs,
    sourceIp: `203.0.113.${n}`,
  });

const timesOf = (record: AuditRecord): ClaimTimes => ({
  sendingUntilMs: record.receivedAtMs + sendingMs,
  dedupUntilMs: record.receivedAtMs + windowMs,
});

const claim = (record: AuditRecord) => claims.claim(record, timesOf(record));

async function storedItem(deliveryId: string) {
  const { Item } = await stack.dynamodb.send(
    new GetItemCommand({
      TableName: stack.tableName,
      Key: deliveryKey(providerId, deliveryId),
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe('claim', () => {
  it('writes a delivery never seen as its accepted record, in one item', async () => {
    const deliveryId = freshDelivery();
    const first = attempt(deliveryId, 1);
    expect(await claim(first)).toEqual({ outcome: 'claimed' });
    const item = await storedItem(deliveryId);
    expect(item?.sendingUntil).toEqual({ N: String(startMs + sendingMs) });
    expect(item?.dedupUntil).toEqual({ N: String(startMs + windowMs) });
    expect(item?.expiresAt).toEqual({ N: String(auditExpiresAt(first)) });
    // Not in byDeliveryId: that index holds the other records of a delivery.
    expect(item?.deliveryId).toBeUndefined();
    const { queueMessageId: _none, ...expected } = first;
    expect(fromDeliveryItem(item ?? {})).toEqual([sealedAs(expected, 'record')]);
  });

  it('seals the accepted record as a record and each repeat as an attempt, each in its own place', async () => {
    const deliveryId = freshDelivery();
    const first = attempt(deliveryId, 1);
    const repeat = { ...attempt(deliveryId, 2, sendingMs), userAgent: 'Retry/2' };
    await claim(first);
    expect(await claim(repeat)).toEqual({ outcome: 'duplicate', recorded: true });
    const item = (await storedItem(deliveryId)) ?? {};
    const { queueMessageId: _none, ...expected } = first;
    const { keyId: _key, encryptedHeaders: _headers, ...repeated } = repeat;
    const records = fromDeliveryItem(item);
    expect(records).toEqual([
      sealedAs(expected, 'record'),
      sealedAs({ ...repeated, outcome: 'duplicate', reason: 'already_accepted' }, 'attempt'),
    ]);
    // Two seals over different contents, not one copied to the repeat.
    expect(records[1]?.seal?.fields).not.toEqual(records[0]?.seal?.fields);
    // The record's seal beside its fields; each attempt's, its personal MAC too, in its entry;
    // each names its key by fingerprint, and the item keeps each key's blob once.
    const fingerprint = item.sealKeyRef?.S ?? '';
    expect(item).toMatchObject({
      sealKeyRef: { S: expect.stringMatching(/^[0-9a-f]{16}$/) },
      [`sealKey_${fingerprint}`]: { B: expect.any(Uint8Array) },
      seal: { B: expect.any(Uint8Array) },
      sealPersonal: { B: expect.any(Uint8Array) },
    });
    const blobs = Object.keys(item).filter((name) => name.startsWith('sealKey_'));
    const named = new Set([fingerprint, ...(item.attempts?.L ?? []).map(({ M }) => M?.k?.S)]);
    expect(blobs.sort()).toEqual([...named].map((name) => `sealKey_${name}`).sort());
    expect(item.attempts?.L?.map(({ M }) => Object.keys(M ?? {}).sort())).toEqual([
      ['ip', 'k', 'r', 's', 'sp', 't', 'ua'],
      ['ip', 'k', 'r', 's', 'sp', 't', 'ua'],
    ]);
  });

  it('answers in_flight while the first attempt may still be sending, and records the repeat', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    expect(await claim(attempt(deliveryId, 2, sendingMs - 1))).toEqual({
      outcome: 'in_flight',
      recorded: true,
    });
    const [, repeat] = fromDeliveryItem((await storedItem(deliveryId)) ?? {});
    expect(repeat).toMatchObject({
      requestId: 'req-2',
      outcome: 'duplicate',
      reason: 'in_flight',
      sourceIp: '203.0.113.2',
    });
  });

  it('answers duplicate once the first attempt can no longer be sending', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    expect(await claim(attempt(deliveryId, 2, sendingMs))).toEqual({
      outcome: 'duplicate',
      recorded: true,
    });
    const records = fromDeliveryItem((await storedItem(deliveryId)) ?? {});
    expect(records.map((record) => [record.requestId, record.outcome, record.reason])).toEqual([
      ['req-1', 'accepted', undefined],
      ['req-2', 'duplicate', 'already_accepted'],
    ]);
  });

  it('keeps the first attempt as the accepted record whatever the repeats carry', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    await claim({ ...attempt(deliveryId, 2, sendingMs), eventType: 'other.type', keyId: 'v9' });
    const [first] = fromDeliveryItem((await storedItem(deliveryId)) ?? {});
    expect(first).toMatchObject({
      requestId: 'req-1',
      eventType: 'payment_intent.succeeded',
      keyId: 'v1',
    });
  });

  it('stops appending at the cap and says so, so that the repeat gets a record of its own', async () => {
    const deliveryId = freshDelivery();
    for (let n = 1; n <= maxItemAttempts; n += 1)
      await claim(attempt(deliveryId, n, n * sendingMs));
    expect(await claim(attempt(deliveryId, 99, 100 * sendingMs))).toEqual({
      outcome: 'duplicate',
      recorded: false,
    });
    expect((await storedItem(deliveryId))?.attempts?.L).toHaveLength(maxItemAttempts);
  });

  it("appends a repeat up to a digest period after its delivery's, and leaves a later one to a record of its own", async () => {
    const deliveryId = freshDelivery();
    const periodMs = auditDigests.periodSeconds * 1000;
    // Accepted in the last second of its period (startMs is on a period boundary).
    await claim(attempt(deliveryId, 1, periodMs - 1000));
    expect(await claim(attempt(deliveryId, 2, 2 * periodMs - 1))).toEqual({
      outcome: 'duplicate',
      recorded: true,
    });
    // Two periods on: its period's digest would not find it in an item listed that far back.
    expect(await claim(attempt(deliveryId, 3, 2 * periodMs))).toEqual({
      outcome: 'duplicate',
      recorded: false,
    });
    const item = (await storedItem(deliveryId)) ?? {};
    expect(fromDeliveryItem(item).map(({ requestId }) => requestId)).toEqual(['req-1', 'req-2']);
  });

  it('never appends to an erased item', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const item = (await storedItem(deliveryId)) ?? {};
    await stack.dynamodb.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: { ...item, erasedAtMs: { N: String(startMs) }, erasureReceiptId: { S: 'r-1' } },
      }),
    );
    expect(await claim(attempt(deliveryId, 2, sendingMs))).toEqual({
      outcome: 'duplicate',
      recorded: false,
    });
    expect((await storedItem(deliveryId))?.attempts?.L).toHaveLength(1);
  });

  it('keeps deliveries of the same id from two providers apart', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const other = { ...attempt(deliveryId, 2), providerId: 'github' };
    expect(await claims.claim(other, timesOf(other))).toEqual({ outcome: 'claimed' });
  });

  it('says when the dedup window has passed, handing over the item that is there', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const result = await claim(attempt(deliveryId, 2, windowMs));
    expect(result.outcome).toBe('window_passed');
    expect(result.outcome === 'window_passed' && result.previous.attempts?.L).toHaveLength(1);
    // Nothing is appended past the window: the item moved aside is the one handed over.
    expect((await storedItem(deliveryId))?.attempts?.L).toHaveLength(1);
  });

  it('takes a claim the SDK sent again, after its first try was applied, as its own', async () => {
    const deliveryId = freshDelivery();
    const first = attempt(deliveryId, 1);
    expect(await claim(first)).toEqual({ outcome: 'claimed' });
    const before = await storedItem(deliveryId);
    expect(await claim(first)).toEqual({ outcome: 'claimed' });
    // The second PutItem's condition failed: nothing written, the item as the first left it.
    const item = (await storedItem(deliveryId)) ?? {};
    expect(item).toEqual(before);
    expect(fromDeliveryItem(item).map(({ requestId }) => requestId)).toEqual(['req-1']);
  });

  it('still reads an item the former claim wrote, an attempt the SDK retried listed twice, once', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const item = (await storedItem(deliveryId)) ?? {};
    const [first] = item.attempts?.L ?? [];
    // The former UpdateItem appended on every try: a retried claim left its attempt twice.
    const former = { ...item, attempts: { L: [first, first] as AttributeValue[] } };
    expect(fromDeliveryItem(former).map(({ requestId }) => requestId)).toEqual(['req-1']);
  });

  it('appends a repeat without adding any attribute: a seal key the item lacks goes in the attempt', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const before = (await storedItem(deliveryId)) ?? {};
    // Another container: its own cached seal key, which the item does not hold.
    const elsewhere = new DeliveryClaims({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      sealer: createSealer({
        kms: stack.kms,
        keyId: stack.stack.resources.keys.audit.keyId,
        writer: 'ingest',
      }),
    });
    const repeat = attempt(deliveryId, 2, sendingMs);
    expect(await elsewhere.claim(repeat, timesOf(repeat))).toEqual({
      outcome: 'duplicate',
      recorded: true,
    });
    const item = (await storedItem(deliveryId)) ?? {};
    const { attempts: _after, ...rest } = item;
    const { attempts: _before, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    const [, entry] = item.attempts?.L ?? [];
    expect(entry?.M?.k?.B).toBeInstanceOf(Uint8Array);
    const records = fromDeliveryItem(item);
    expect(records.map((record) => record.seal?.scope)).toEqual(['record', 'attempt']);
    expect(records[1]?.seal?.key).toEqual(Buffer.from(entry?.M?.k?.B ?? []));
  });

  it('reads an erased item that holds an address again as malformed', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    await claim(attempt(deliveryId, 2, sendingMs));
    const {
      encryptedHeaders: _headers,
      subjectHash: _subject,
      sealPersonal: _sealed,
      ...item
    } = (await storedItem(deliveryId)) ?? {};
    const withoutAddress = (value: AttributeValue): AttributeValue => {
      const { ip: _ip, ua: _ua, sp: _sp, ...rest } = value.M ?? {};
      return { M: rest };
    };
    const attempts = (item.attempts?.L ?? []).map(withoutAddress);
    const erased = {
      ...item,
      erasedAtMs: { N: String(startMs + windowMs) },
      erasureReceiptId: { S: 'rcpt-1' },
      attempts: { L: attempts },
    };
    expect(fromDeliveryItem(erased).map(({ sourceIp }) => sourceIp)).toEqual([
      undefined,
      undefined,
    ]);
    const planted = attempts.map(
      (value, index): AttributeValue =>
        index === 1 ? { M: { ...value.M, ip: { S: '192.0.2.1' } } } : value,
    );
    expect(() => fromDeliveryItem({ ...erased, attempts: { L: planted } })).toThrow(
      MalformedAuditItemError,
    );
  });
});

describe('replace', () => {
  it('moves the old item aside, its repeats reading as they did, and claims the delivery anew', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    await claim(attempt(deliveryId, 4, sendingMs - 1));
    const before = fromDeliveryItem((await storedItem(deliveryId)) ?? {});
    const again = attempt(deliveryId, 2, windowMs);
    const result = await claim(again);
    if (result.outcome !== 'window_passed') throw new Error(`got ${result.outcome}`);
    expect(await claims.replace(result.previous, again, timesOf(again))).toBe('claimed');
    const current = fromDeliveryItem((await storedItem(deliveryId)) ?? {});
    expect(current.map((record) => record.requestId)).toEqual(['req-2']);
    const { Item: archived } = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.tableName,
        Key: { pk: { S: `d#${deliveryId}` }, sk: { S: `p#${providerId}#req-1` } },
        ConsistentRead: true,
      }),
    );
    // The same records, the repeat still `in_flight`; only the dedup window is gone.
    expect(fromDeliveryItem(archived ?? {})).toEqual(before);
    expect(before.map(({ requestId, reason }) => [requestId, reason])).toEqual([
      ['req-1', undefined],
      ['req-4', 'in_flight'],
    ]);
    expect(archived?.dedupUntil).toBeUndefined();
  });

  it('loses to another attempt that replaced the item first', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const [second, third] = [attempt(deliveryId, 2, windowMs), attempt(deliveryId, 3, windowMs)];
    const result = await claim(second);
    if (result.outcome !== 'window_passed') throw new Error(`got ${result.outcome}`);
    expect(await claims.replace(result.previous, third, timesOf(third))).toBe('claimed');
    expect(await claims.replace(result.previous, second, timesOf(second))).toBe('lost');
  });

  it('loses when a repeat was appended since the item was read, so that the copy moved aside misses none', async () => {
    const deliveryId = freshDelivery();
    const first = attempt(deliveryId, 1);
    await claim(first);
    const again = attempt(deliveryId, 2, windowMs);
    const result = await claim(again);
    if (result.outcome !== 'window_passed') throw new Error(`got ${result.outcome}`);
    // A repeat another container appended in between (its clock behind this one's).
    const late = attempt(deliveryId, 3, sendingMs);
    expect(await claim(late)).toEqual({ outcome: 'duplicate', recorded: true });
    expect(await claims.replace(result.previous, again, timesOf(again))).toBe('lost');
    expect(fromDeliveryItem((await storedItem(deliveryId)) ?? {}).map((r) => r.requestId)).toEqual([
      'req-1',
      'req-3',
    ]);
  });

  it('loses when an erasure changed the item since it was read, so that no erased field comes back', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const again = attempt(deliveryId, 2, windowMs);
    const result = await claim(again);
    if (result.outcome !== 'window_passed') throw new Error(`got ${result.outcome}`);
    const { sourceIp: _ip, ...erased } = (await storedItem(deliveryId)) ?? {};
    await stack.dynamodb.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: { ...erased, erasedAtMs: { N: String(startMs) }, erasureReceiptId: { S: 'r-1' } },
      }),
    );
    expect(await claims.replace(result.previous, again, timesOf(again))).toBe('lost');
    const { Item: archived } = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.tableName,
        Key: { pk: { S: `d#${deliveryId}` }, sk: { S: `p#${providerId}#req-1` } },
        ConsistentRead: true,
      }),
    );
    expect(archived).toBeUndefined();
  });
});

describe('release', () => {
  it('marks the claim released, keeps the item with its repeats (read as failed), and lets a retry claim anew', async () => {
    const deliveryId = freshDelivery();
    const first = attempt(deliveryId, 1);
    await claim(first);
    await claim(attempt(deliveryId, 2, 10));
    const before = (await storedItem(deliveryId)) ?? {};
    expect(await claims.release(first, startMs + 50)).toBe('released');
    const released = (await storedItem(deliveryId)) ?? {};
    // Only the marker added: no record field, seal or expiresAt changed, nothing deleted.
    expect(released).toEqual({ ...before, releasedAtMs: { N: String(startMs + 50) } });
    // No accepted record: the attempt is recorded `failed` by the caller; its repeat stays.
    expect(
      fromDeliveryItem(released).map(({ requestId, outcome, reason }) => [
        requestId,
        outcome,
        reason,
      ]),
    ).toEqual([['req-2', 'failed', 'in_flight']]);
    // Released once: a second release, or a repeat, changes nothing.
    expect(await claims.release(first)).toBe('not_held');
    const retry = attempt(deliveryId, 3, 20);
    const result = await claim(retry);
    if (result.outcome !== 'window_passed') throw new Error(`got ${result.outcome}`);
    expect(await storedItem(deliveryId)).toEqual(released);
    expect(await claims.replace(result.previous, retry, timesOf(retry))).toBe('claimed');
    expect(fromDeliveryItem((await storedItem(deliveryId)) ?? {})).toMatchObject([
      { requestId: 'req-3', outcome: 'accepted' },
    ]);
    // The released item moved aside whole, still released.
    const { Item: archived } = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.tableName,
        Key: { pk: { S: `d#${deliveryId}` }, sk: { S: `p#${providerId}#req-1` } },
        ConsistentRead: true,
      }),
    );
    const { dedupUntil: _window, sk: _sk, ...kept } = released;
    expect(archived).toMatchObject(kept);
  });

  it('leaves another attempt’s claim alone', async () => {
    const deliveryId = freshDelivery();
    await claim(attempt(deliveryId, 1));
    const before = await storedItem(deliveryId);
    expect(await claims.release(attempt(deliveryId, 2))).toBe('not_held');
    expect(await storedItem(deliveryId)).toEqual(before);
  });
});

it('turns an SDK failure into DependencyUnavailableError', async () => {
  const broken = new DeliveryClaims({
    dynamodb: stack.dynamodb,
    tableName: 'no-such-table',
    sealer: stack.sealer,
  });
  const record = attempt(freshDelivery(), 1);
  const error = await broken.claim(record, timesOf(record)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DependencyUnavailableError);
});
