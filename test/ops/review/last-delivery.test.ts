/**
 * Each provider's last accepted delivery, against DynamoDB Local: the newest delivery item over
 * the shards, a claim released after a failed send skipped (it stays in the byTime index but was
 * never accepted), and none for a provider with no delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryClaims } from '../../../functions/audit/delivery-claims.ts';
import { lastAcceptedDeliveries } from '../../../ops/review/last-delivery.ts';
import { accepted } from '../../support/audit-records.ts';
import { manualClock } from '../../support/clock.ts';
import { writeAccepted } from '../../support/delivery-items.ts';
import { localSealer } from '../../support/sealer.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../../support/stack.ts';

let stack: AuditStack;
const t0 = manualClock().now();
const minute = 60_000;

beforeAll(async () => {
  stack = await startAuditStack();
}, startBudgetMs);

afterAll(() => stack?.close());

describe('lastAcceptedDeliveries', () => {
  it('reads the newest accepted delivery over every shard, and none for an idle provider', async () => {
    const providerId = 'last-newest';
    for (const i of [0, 1, 2, 3, 4, 5]) {
      await writeAccepted(
        stack.dynamodb,
        stack.tableName,
        accepted({ providerId, deliveryId: `evt_newest_${i}`, receivedAtMs: t0 + i * minute }),
      );
    }
    const last = await lastAcceptedDeliveries(
      { dynamodb: stack.dynamodb, tableName: stack.tableName },
      [providerId, 'last-idle'],
    );
    expect(last.get(providerId)).toBe(t0 + 5 * minute);
    expect(last.get('last-idle')).toBeUndefined();
  });

  it('skips claims released after a failed send, though they are newer', async () => {
    const providerId = 'last-released';
    await writeAccepted(
      stack.dynamodb,
      stack.tableName,
      accepted({ providerId, deliveryId: 'evt_kept', receivedAtMs: t0 }),
    );
    const claims = new DeliveryClaims({
      dynamodb: stack.dynamodb,
      tableName: stack.tableName,
      sealer: localSealer(),
    });
    // Released claims in every shard, all newer than the accepted one.
    for (let i = 1; i <= 12; i++) {
      const record = accepted({
        providerId,
        deliveryId: `evt_released_${i}`,
        receivedAtMs: t0 + i * minute,
      });
      const claim = await claims.claim(record, {
        sendingUntilMs: record.receivedAtMs,
        dedupUntilMs: record.receivedAtMs + 3_600_000,
      });
      expect(claim.outcome).toBe('claimed');
      expect(await claims.release(record, record.receivedAtMs + 1_000)).toBe('released');
    }
    const last = await lastAcceptedDeliveries(
      { dynamodb: stack.dynamodb, tableName: stack.tableName },
      [providerId],
    );
    expect(last.get(providerId)).toBe(t0);
  });
});
