/**
 * The operator's reads of delivery records against DynamoDB Local: listings merged over the
 * shards, ranges to the millisecond, records past their retention hidden. Finding a delivery's
 * attempts is tested with their writes (test/audit/audit-store.test.ts); reading a range in
 * batches with `audit export` (test/cli/audit-export.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../../functions/audit/audit-store.ts';
import { auditShardOf } from '../../../functions/audit/record.ts';
import { DependencyUnavailableError } from '../../../functions/aws/errors.ts';
import { AuditReader } from '../../../ops/audit/audit-reader.ts';
import { InvalidAuditQueryError } from '../../../ops/audit/errors.ts';
import { auditRecord } from '../../support/audit-records.ts';
import { manualClock } from '../../support/clock.ts';
import { type AuditStack, startAuditStack, startBudgetMs } from '../../support/stack.ts';

let stack: AuditStack;
let store: AuditStore;
let reader: AuditReader;
const clock = manualClock();
const t0 = clock.now();
const dayMs = 86_400_000;

beforeAll(async () => {
  stack = await startAuditStack();
  store = new AuditStore({ dynamodb: stack.dynamodb, tableName: stack.tableName, now: clock.now });
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
  const newestFirst = [...records].reverse();

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
    expect(inRange).toEqual(records.slice(5, 10).reverse());
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
