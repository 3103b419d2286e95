/**
 * What the audit table holds for one period, partition by partition, as digest entries: the
 * one read that both the digest writer (what to sign) and `webhooks audit verify` (what is
 * there now) make, so that the two can only differ where the table did.
 *
 * Delivery records are read per provider (audit-reader.ts), so the caller names the providers:
 * the registry's, and any removed during or after the period (the admin trail says which);
 * `_unregistered` is always read. Admin records and erasure receipts are their own
 * partitions. Items past their `expiresAt` are not read, as no other read does.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  auditPartitionKey,
  auditShardOf,
  unregisteredProviderId,
} from '../../functions/audit/record.ts';
import type { Clock } from '../../functions/verify/types.ts';
import { adminPartitionKey } from '../admin-trail/admin-record.ts';
import { type LiveReads, queryLive, timeKeyBounds } from '../audit/audit-query.ts';
import { AuditReader } from '../audit/audit-reader.ts';
import { erasurePartitionKey } from '../erasure/erasure-receipt.ts';
import type { CurrentEntry } from './compare.ts';
import { itemEntry, recordEntry } from './digest-entry.ts';

export interface PeriodReadOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: Clock;
}

export interface PeriodContents {
  /** Partition name to its entries, in no particular order. */
  readonly partitions: ReadonlyMap<string, readonly CurrentEntry[]>;
  /** Items that could not be read as records: each is a finding for the verifier. */
  readonly malformed: readonly MalformedAuditItemError[];
}

/**
 * Every record received in [startMs, endMs) under `providerIds`, and the other partitions. The
 * range may span several periods: each entry carries its time, for the caller to sort them.
 * A repeat is appended to its delivery's item, listed at the accepted attempt's time, up to a
 * period after that period (functions/audit/delivery-item.ts, `appendableSince`): so the
 * deliveries accepted from `lookbackMs` before `startMs` are read too, for their repeats.
 */
export async function readPeriod(
  options: PeriodReadOptions,
  providerIds: Iterable<string>,
  startMs: number,
  endMs: number,
  lookbackMs: number,
): Promise<PeriodContents> {
  const reader = new AuditReader(options);
  const partitions = new Map<string, CurrentEntry[]>();
  const malformed: MalformedAuditItemError[] = [];
  const add = (partition: string, entry: CurrentEntry) => {
    const list = partitions.get(partition) ?? [];
    list.push(entry);
    partitions.set(partition, list);
  };
  const providers = new Set([...providerIds, unregisteredProviderId]);
  for (const providerId of [...providers].sort()) {
    const range = { providerId, sinceMs: startMs - lookbackMs, untilMs: endMs - 1 };
    for await (const batch of reader.readRangeByProvider(range)) {
      malformed.push(...batch.malformed);
      for (const record of batch.records) {
        // Read for the repeats of the deliveries before the range, not for themselves.
        if (record.receivedAtMs < startMs) continue;
        add(auditPartitionKey(providerId, auditShardOf(record.deliveryId)), {
          entry: recordEntry(record),
          atMs: record.receivedAtMs,
          subject: { kind: 'record', record },
          // Only an erased record is read again (its receipt); the others need their entry alone.
          ...(record.erasureReceiptId === undefined ? {} : { record }),
        });
      }
    }
  }
  for (const pk of [adminPartitionKey, erasurePartitionKey]) {
    for (const item of await readPartitionItems(options, pk, startMs, endMs)) {
      add(pk, {
        entry: itemEntry(item),
        atMs: Date.parse(item.sk?.S?.split('#')[0] ?? ''),
        subject: { kind: 'item', item },
      });
    }
  }
  return { partitions, malformed };
}

/** Every live item of a time-keyed partition (`_admin`, `_erasure`) in [startMs, endMs). */
export async function readPartitionItems(
  options: PeriodReadOptions,
  pk: string,
  startMs: number,
  endMs: number,
): Promise<AuditItem[]> {
  // An empty range (a period that begins after the clock's now): BETWEEN would refuse it.
  if (endMs <= startMs) return [];
  const reads: LiveReads = { dynamodb: options.dynamodb, now: options.now ?? Date.now };
  return queryLive(
    reads,
    {
      TableName: options.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
      ExpressionAttributeValues: { ':pk': { S: pk }, ...timeKeyBounds(startMs, endMs - 1) },
      ConsistentRead: true,
    },
    Number.POSITIVE_INFINITY,
  );
}
