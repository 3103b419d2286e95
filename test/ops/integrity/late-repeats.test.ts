/**
 * Repeats that arrive after their delivery's period: each is in the digest of the period it
 * arrived in, whether the claim appended it to the delivery's item (up to a period later) or
 * filed it as a record of its own (later than that), and `audit verify` checks it there.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../../functions/audit/audit-store.ts';
import { DeliveryClaims } from '../../../functions/audit/delivery-claims.ts';
import { deliveryKey } from '../../../functions/audit/delivery-item.ts';
import { type AuditRecord, auditSortKey } from '../../../functions/audit/record.ts';
import { auditDigests } from '../../../functions/config/audit-digests.ts';
import { digestKey, parseDigest } from '../../../ops/integrity/digest-document.ts';
import { writeDueDigests } from '../../../ops/integrity/digest-writer.ts';
import { type TrailVerification, verifyTrail } from '../../../ops/integrity/trail-verifier.ts';
import { accepted } from '../../support/audit-records.ts';
import { manualClock } from '../../support/clock.ts';
import { writeAccepted } from '../../support/delivery-items.ts';
import { type DigestTrail, digestTrailOn } from '../../support/digest-trail.ts';
import { startBudgetMs, startTestStack, type TestStack } from '../../support/stack.ts';

const periodMs = auditDigests.periodSeconds * 1000;
const settleMs = auditDigests.settleSeconds * 1000;
/** A period boundary far in the future: DynamoDB Local's TTL runs on the real clock. */
const p0 = Math.ceil(Date.parse('2099-06-01T12:00:00.000Z') / periodMs) * periodMs;
const clock = manualClock(p0);
const minute = 60_000;

let test: TestStack;
let trail: DigestTrail;

const attempt = (n: number, receivedAtMs: number): AuditRecord =>
  accepted({
    providerId: 'shop',
    deliveryId: 'evt_late',
    requestId: `req-late-${n}`,
    receivedAtMs,
    sourceIp: `198.51.100.${n}`,
  });
const first = attempt(1, p0 + 14 * minute);
/** In the next period: appended to the item. */
const nextPeriod = attempt(2, p0 + 16 * minute);
/** Two periods on: a record of its own. */
const twoPeriodsOn = attempt(3, p0 + 31 * minute);
const idOf = (record: AuditRecord) => `shop#${auditSortKey(record)}`;

const verify = (): Promise<TrailVerification> =>
  verifyTrail(
    {
      dynamodb: test.dynamodb,
      auditTableName: trail.auditTableName,
      registryTableName: trail.registryTableName,
      store: trail.store,
      seals: trail.seals,
      now: clock.now,
    },
    { sinceMs: p0, untilMs: p0 + 3 * periodMs - 1 },
  );

beforeAll(async () => {
  test = await startTestStack();
  trail = await digestTrailOn(test, 'audit-digests-late', ['shop']);
  const { dynamodb } = test;
  const tableName = trail.auditTableName;
  await writeAccepted(dynamodb, tableName, first);
  const claims = new DeliveryClaims({ dynamodb, tableName, sealer: test.sealer });
  const times = { sendingUntilMs: first.receivedAtMs, dedupUntilMs: p0 + 10 * periodMs };
  expect(await claims.claim(nextPeriod, times)).toEqual({ outcome: 'duplicate', recorded: true });
  expect(await claims.claim(twoPeriodsOn, times)).toEqual({
    outcome: 'duplicate',
    recorded: false,
  });
  // As the ingest path does with a repeat the claim did not record (pipeline.ts, answerRepeat).
  await new AuditStore({ dynamodb, tableName, sealer: test.sealer }).writeAttempt({
    ...twoPeriodsOn,
    outcome: 'duplicate',
    reason: 'already_accepted',
  });
  const writer = () =>
    writeDueDigests({
      dynamodb,
      auditTableName: tableName,
      registryTableName: trail.registryTableName,
      store: trail.store,
      now: clock.now,
    });
  // The first run starts the chain with the period before p0; the second digests p0 to p0 + 2.
  clock.advance(settleMs);
  await writer();
  clock.advance(3 * periodMs);
  expect(await writer()).toHaveLength(3);
}, startBudgetMs);

afterAll(async () => {
  trail?.s3.destroy();
  await test?.close();
});

describe('a repeat after its delivery’s period', () => {
  it('is in the digest of the period it arrived in, appended or filed apart, and verifies', async () => {
    const listed = async (periodStartMs: number) => {
      const key = digestKey(trail.auditTableName, periodStartMs);
      const { partitions } = parseDigest(key, (await trail.store.read(key)).bytes);
      return partitions.flatMap(({ entries }) => entries.map(({ id }) => id));
    };
    expect(await listed(p0)).toEqual([idOf(first)]);
    expect(await listed(p0 + periodMs)).toEqual([idOf(nextPeriod)]);
    expect(await listed(p0 + 2 * periodMs)).toEqual([idOf(twoPeriodsOn)]);
    expect(await verify()).toMatchObject({ verified: 3, sealsValid: 3, findings: [] });
  });

  it('names the appended repeat when its address is changed afterwards, by its seal', async () => {
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: trail.auditTableName,
        Key: deliveryKey('shop', 'evt_late'),
        UpdateExpression: 'SET attempts[1].ip = :ip',
        ExpressionAttributeValues: { ':ip': { S: '192.0.2.99' } },
      }),
    );
    // A digest does not hash a repeat's address (it has no headers to hide it among, so the
    // hash could be reversed); the attempt's seal covers it.
    expect((await verify()).findings).toEqual([
      {
        kind: 'altered',
        id: idOf(nextPeriod),
        detail: 'its seal does not match: its personal fields differ from what was sealed',
      },
    ]);
  });
});
