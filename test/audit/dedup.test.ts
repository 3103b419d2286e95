import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import {
  type DedupMarker,
  DedupMarkers,
  dedupLeaseSeconds,
  markerKey,
} from '../../functions/audit/dedup.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { accepted } from '../support/audit-records.ts';
import { manualClock } from '../support/clock.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../support/stack.ts';

let stack: AuditStack;
let markers: DedupMarkers;
let store: AuditStore;
let reader: AuditReader;
const clock = manualClock();
const providerId = 'stripe-live';
const windowSeconds = 3_600;
let deliveryCounter = 0;

beforeAll(async () => {
  stack = await startAuditStack();
  const options = { dynamodb: stack.dynamodb, tableName: stack.tableName, now: clock.now };
  markers = new DedupMarkers(options);
  store = new AuditStore(options);
  reader = new AuditReader(options);
}, startBudgetMs);

afterAll(() => stack?.close());

/** A delivery id no other test has claimed. */
const freshDelivery = () => {
  deliveryCounter += 1;
  return `evt_dedup_${deliveryCounter}`;
};

async function claimed(deliveryId: string): Promise<DedupMarker> {
  const result = await markers.claim(providerId, deliveryId, windowSeconds);
  if (result.outcome !== 'claimed') throw new Error(`expected a claim, got ${result.outcome}`);
  return result.marker;
}

const acceptedRecord = (deliveryId: string) =>
  accepted({ providerId, deliveryId, receivedAtMs: clock.now() });

async function storedMarker(deliveryId: string) {
  const { Item } = await stack.dynamodb.send(
    new GetItemCommand({
      TableName: stack.tableName,
      Key: markerKey(providerId, deliveryId),
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe('claim', () => {
  it('claims a delivery never seen', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    expect(marker.leaseUntilMs).toBe(clock.now() + dedupLeaseSeconds * 1000);
    const item = await storedMarker(deliveryId);
    expect(item?.state).toEqual({ S: 'pending' });
    expect(item?.expiresAt).toEqual({ N: String(clock.now() / 1000 + windowSeconds) });
    expect(item?.deliveryId).toBeUndefined();
  });

  it('answers in_flight while another attempt holds the lease', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    clock.advanceSeconds(dedupLeaseSeconds - 1);
    expect(await markers.claim(providerId, deliveryId, windowSeconds)).toEqual({
      outcome: 'in_flight',
      leaseUntilMs: marker.leaseUntilMs,
    });
  });

  it('claims again once the lease has run out (a crashed attempt)', async () => {
    const deliveryId = freshDelivery();
    const first = await claimed(deliveryId);
    clock.advanceSeconds(dedupLeaseSeconds + 1);
    const second = await claimed(deliveryId);
    expect(second.claimToken).not.toBe(first.claimToken);
  });

  it('answers duplicate once the delivery is confirmed, even after the lease', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    expect(await store.confirmAccepted(marker, acceptedRecord(deliveryId))).toBe('confirmed');
    clock.advanceSeconds(dedupLeaseSeconds + 1);
    expect(await markers.claim(providerId, deliveryId, windowSeconds)).toEqual({
      outcome: 'duplicate',
    });
  });

  it('claims again once the dedup window has passed, before TTL deletes the marker', async () => {
    const deliveryId = freshDelivery();
    await store.confirmAccepted(await claimed(deliveryId), acceptedRecord(deliveryId));
    clock.advanceSeconds(windowSeconds);
    expect((await markers.claim(providerId, deliveryId, windowSeconds)).outcome).toBe('claimed');
  });

  it('treats the same delivery id of two providers apart', async () => {
    const deliveryId = freshDelivery();
    await claimed(deliveryId);
    const other = await markers.claim('github', deliveryId, windowSeconds);
    expect(other.outcome).toBe('claimed');
  });
});

describe('release', () => {
  it('deletes the marker so that a retry can claim at once', async () => {
    const deliveryId = freshDelivery();
    expect(await markers.release(await claimed(deliveryId))).toBe('released');
    expect(await storedMarker(deliveryId)).toBeUndefined();
    expect((await markers.claim(providerId, deliveryId, windowSeconds)).outcome).toBe('claimed');
  });

  it('leaves a marker another attempt claimed since', async () => {
    const deliveryId = freshDelivery();
    const lost = await claimed(deliveryId);
    clock.advanceSeconds(dedupLeaseSeconds + 1);
    const current = await claimed(deliveryId);
    expect(await markers.release(lost)).toBe('not_held');
    expect((await storedMarker(deliveryId))?.claimToken).toEqual({ S: current.claimToken });
  });

  it('leaves a confirmed marker', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    await store.confirmAccepted(marker, acceptedRecord(deliveryId));
    expect(await markers.release(marker)).toBe('not_held');
    expect((await storedMarker(deliveryId))?.state).toEqual({ S: 'done' });
  });
});

describe('confirmAccepted', () => {
  it("writes the payload copy in the same transaction, and drops it from reads after the class's payloadDays", async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    const record = { ...acceptedRecord(deliveryId), encryptedPayload: Buffer.of(5, 6, 7) };
    expect(retentionClasses[record.retentionClass].payloadDays).toBeGreaterThan(0);
    expect(await store.confirmAccepted(marker, record)).toBe('confirmed');
    expect((await reader.findByDeliveryId(deliveryId)).records).toEqual([record]);

    const { payloadDays } = retentionClasses[record.retentionClass];
    const later = new AuditReader({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      now: () => record.receivedAtMs + payloadDays * 86_400_000 + 1_000,
    });
    const { encryptedPayload: _copy, ...withoutCopy } = record;
    expect((await later.findByDeliveryId(deliveryId)).records).toEqual([withoutCopy]);
  });

  it('marks the marker done and writes the record in one transaction', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    const record = acceptedRecord(deliveryId);
    expect(await store.confirmAccepted(marker, record)).toBe('confirmed');
    const item = await storedMarker(deliveryId);
    expect(item?.state).toEqual({ S: 'done' });
    expect(item?.leaseUntil).toBeUndefined();
    expect((await reader.findByDeliveryId(deliveryId)).records).toEqual([record]);
  });

  it('writes neither marker nor record when the claim was lost', async () => {
    const deliveryId = freshDelivery();
    const lost = await claimed(deliveryId);
    clock.advanceSeconds(dedupLeaseSeconds + 1);
    const current = await claimed(deliveryId);
    expect(await store.confirmAccepted(lost, acceptedRecord(deliveryId))).toBe('claim_lost');
    expect((await storedMarker(deliveryId))?.state).toEqual({ S: 'pending' });
    expect((await reader.findByDeliveryId(deliveryId)).records).toEqual([]);
    const record = acceptedRecord(deliveryId);
    expect(await store.confirmAccepted(current, record)).toBe('confirmed');
    expect((await reader.findByDeliveryId(deliveryId)).records).toEqual([record]);
  });

  it('confirms after the lease ran out if nobody claimed meanwhile', async () => {
    const deliveryId = freshDelivery();
    const marker = await claimed(deliveryId);
    clock.advanceSeconds(dedupLeaseSeconds + 1);
    expect(await store.confirmAccepted(marker, acceptedRecord(deliveryId))).toBe('confirmed');
  });

  it('refuses a record of another delivery', async () => {
    const marker = await claimed(freshDelivery());
    await expect(store.confirmAccepted(marker, acceptedRecord('evt_other'))).rejects.toThrow(
      /different deliveries/,
    );
  });
});

describe('when DynamoDB is down', () => {
  beforeAll(() => stack.stopDynamoDb());

  it('claim throws DependencyUnavailableError with the SDK error as cause', async () => {
    const error = await markers.claim(providerId, freshDelivery(), windowSeconds).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error.message).toMatch(/^dynamodb PutItem failed/);
    expect(error.cause).toBeInstanceOf(Error);
  });
});
