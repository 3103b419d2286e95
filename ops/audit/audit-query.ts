/**
 * What the operator's reads of the audit table share (audit-reader.ts, the admin trail's
 * store): the rules of a query's time range and limit, the sort-key bounds of a time range,
 * and Query pages with expired items left out. DynamoDB's TTL deletes lazily (within days),
 * and a record past its retention must not be shown. (Erasure reads expired items on purpose:
 * they still hold personal fields, ops/erasure/erasure-store.ts.)
 */
import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { type AuditItem, auditTimeKey, itemExpiresAt } from '../../functions/audit/record.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import type { Clock } from '../../functions/verify/types.ts';

export interface AuditTableOptions {
  /** Created once per process. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** The clock that decides which items have expired. @default Date.now */
  readonly now?: Clock;
}

/** The most records one listing returns. */
export const maxListLimit = 1_000;

/** A time range, both ends inclusive, and the most records returned. */
export interface RangeAndLimit {
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly limit: number;
}

/** Every rule the range breaks, naming the values received; empty when valid. */
export function rangeProblems(sinceMs: number, untilMs: number): string[] {
  return !Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(untilMs) || sinceMs > untilMs
    ? [`sinceMs and untilMs must be whole milliseconds, since <= until; got ${sinceMs}, ${untilMs}`]
    : [];
}

/** Every rule the range and the limit (1 to `maxListLimit`) break; empty when valid. */
export function rangeAndLimitProblems({ sinceMs, untilMs, limit }: RangeAndLimit): string[] {
  const problems = rangeProblems(sinceMs, untilMs);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxListLimit) {
    problems.push(`limit must be a whole number from 1 to ${maxListLimit}, got ${limit}`);
  }
  return problems;
}

/**
 * The values of `sk BETWEEN :since AND :until` over [sinceMs, untilMs]: sort keys start with
 * the time, and '$' sorts right after '#', so every sort key of the last millisecond is inside.
 */
export function timeKeyBounds(sinceMs: number, untilMs: number) {
  return {
    ':since': { S: auditTimeKey(sinceMs) },
    ':until': { S: `${auditTimeKey(untilMs)}$` },
  };
}

/** Whether the item is not past its `expiresAt` (one without a readable TTL never expires). */
export function isLive(item: AuditItem, nowMs: number): boolean {
  const expiresAt = itemExpiresAt(item);
  return expiresAt === undefined || expiresAt > nowMs / 1000;
}

/** What a Query needs to leave expired items out: the client and the clock. */
export interface LiveReads {
  readonly dynamodb: DynamoDBClient;
  readonly now: Clock;
}

/** One page of a Query: its live items, and where the next page starts (none after the last). */
export async function queryLivePage(
  reads: LiveReads,
  input: QueryCommandInput,
  startKey: AuditItem | undefined,
): Promise<{ items: AuditItem[]; lastKey: AuditItem | undefined }> {
  let page: QueryCommandOutput;
  try {
    page = await reads.dynamodb.send(
      new QueryCommand({
        ...input,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
  } catch (error) {
    throw dynamodbUnavailable('Query', error);
  }
  const nowMs = reads.now();
  const items = (page.Items ?? []).filter((item) => isLive(item, nowMs));
  return { items, lastKey: page.LastEvaluatedKey };
}

/** Follows the Query's pages until `wanted` live items are read or none are left. */
export async function queryLive(
  reads: LiveReads,
  input: QueryCommandInput,
  wanted: number,
): Promise<AuditItem[]> {
  const live: AuditItem[] = [];
  let startKey: AuditItem | undefined;
  do {
    const page = await queryLivePage(reads, input, startKey);
    live.push(...page.items);
    startKey = page.lastKey;
  } while (startKey !== undefined && live.length < wanted);
  return live.slice(0, wanted);
}
