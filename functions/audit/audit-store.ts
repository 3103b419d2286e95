/**
 * The audit table's DynamoDB adapter for records: a PutItem per refused or duplicate attempt,
 * one TransactWriteItems per accepted one (with its dedup marker, dedup.ts), a PutItem per
 * admin action (admin-record.ts), and the reads the CLI needs. Reads skip items past their
 * `expiresAt`: DynamoDB's TTL deletes lazily (within days), and a record past its retention
 * must not be shown. A failed condition becomes a
 * domain result here, at the edge; any other SDK failure a DependencyUnavailableError.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { auditShards, auditTable } from '../config/tables.ts';
import { isProviderId } from '../registry/provider.ts';
import type { Clock } from '../verify/types.ts';
import { type AdminRecord, adminPartitionKey, fromAdminItem, toAdminItem } from './admin-record.ts';
import { confirmInTransaction, type DedupMarker, markerEntryIndex, unavailable } from './dedup.ts';
import {
  InvalidAuditQueryError,
  InvalidAuditRecordError,
  MalformedAuditItemError,
} from './errors.ts';
import {
  type AuditItem,
  type AuditOutcome,
  type AuditRecord,
  auditPartitionKey,
  auditSortKey,
  auditTimeKey,
  fromAuditItem,
  isPayloadItem,
  itemExpiresAt,
  payloadSortKey,
  toAuditItem,
  toPayloadItem,
  unregisteredProviderId,
  withPayload,
} from './record.ts';

export interface AuditStoreOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: Clock;
}

export interface ListByProviderQuery {
  readonly providerId: string;
  /** Inclusive. */
  readonly sinceMs: number;
  /** Inclusive. */
  readonly untilMs: number;
  /** @default - every outcome */
  readonly outcome?: AuditOutcome;
  /** The most records returned, newest first: 1 to `maxListLimit`. */
  readonly limit: number;
}

/** Records newest first, and each item that could not be read (a listing should not hide the rest). */
export interface AuditListing {
  readonly records: readonly AuditRecord[];
  readonly malformed: readonly MalformedAuditItemError[];
}

/** `confirmed`: marker done and record written; `claim_lost`: neither, another attempt holds it. */
export type ConfirmResult = 'confirmed' | 'claim_lost';

export const maxListLimit = 1_000;

/** BatchGetItem's limit per request. */
const maxBatchGetKeys = 100;
/** Rounds of UnprocessedKeys retried (with backoff) before the read counts as unavailable. */
const maxBatchGetRounds = 5;

export interface ListAdminActionsQuery {
  /** Inclusive. */
  readonly sinceMs: number;
  /** Inclusive. */
  readonly untilMs: number;
  /** The most records returned, newest first: 1 to `maxListLimit`. */
  readonly limit: number;
}

/** Admin records newest first, and each item that could not be read. */
export interface AdminListing {
  readonly records: readonly AdminRecord[];
  readonly malformed: readonly MalformedAuditItemError[];
}

/**
 * Writes and reads audit records.
 * @example
 * const audit = new AuditStore({ dynamodb, tableName: process.env.AUDIT_TABLE_NAME });
 * await audit.writeAttempt(record);
 */
export class AuditStore {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #now: Clock;

  constructor(options: AuditStoreOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Writes the record of a rejected, duplicate or failed attempt (one PutItem). Accepted
   * attempts go through `confirmAccepted`, which also marks the delivery done.
   */
  async writeAttempt(record: AuditRecord): Promise<void> {
    if (record.outcome === 'accepted') {
      throw new InvalidAuditRecordError(['an accepted attempt is written by confirmAccepted']);
    }
    const item = toAuditItem(record);
    try {
      await this.#dynamodb.send(new PutItemCommand({ TableName: this.#tableName, Item: item }));
    } catch (error) {
      throw unavailable('PutItem', error);
    }
  }

  /**
   * Step 3 of the ingest path: in one TransactWriteItems, marks the claimed marker done and
   * writes the accepted attempt's record; both happen or neither does.
   */
  async confirmAccepted(marker: DedupMarker, record: AuditRecord): Promise<ConfirmResult> {
    const problems =
      record.outcome !== 'accepted'
        ? [`confirmAccepted takes an accepted record, got outcome '${record.outcome}'`]
        : record.providerId !== marker.providerId || record.deliveryId !== marker.deliveryId
          ? ['the record and the marker name different deliveries']
          : [];
    if (problems.length > 0) throw new InvalidAuditRecordError(problems);
    const items = confirmInTransaction(this.#tableName, marker, toAuditItem(record), this.#now());
    const payload = toPayloadItem(record);
    if (payload !== undefined) items.push({ Put: { TableName: this.#tableName, Item: payload } });
    try {
      await this.#dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return 'confirmed';
    } catch (error) {
      const reasons =
        error instanceof TransactionCanceledException ? error.CancellationReasons : [];
      if (reasons?.[markerEntryIndex]?.Code === 'ConditionalCheckFailed') return 'claim_lost';
      throw unavailable('TransactWriteItems', error);
    }
  }

  /**
   * A provider's records received in [sinceMs, untilMs], newest first: one Query per shard, in
   * parallel, each reading newest first until it has `limit` live records, then merged.
   */
  async listByProvider(query: ListByProviderQuery): Promise<AuditListing> {
    const { providerId, sinceMs, untilMs, outcome, limit } = query;
    const problems = listQueryProblems(query);
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const shards = Array.from({ length: auditShards }, (_, shard) =>
      this.#queryAll(
        {
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
          // '$' sorts right after '#', so every sort key of the last millisecond is inside.
          ExpressionAttributeValues: {
            ':pk': { S: auditPartitionKey(providerId, shard) },
            ':since': { S: auditTimeKey(sinceMs) },
            ':until': { S: `${auditTimeKey(untilMs)}$` },
            ...(outcome === undefined ? {} : { ':outcome': { S: outcome } }),
          },
          // Records only: payload copies (no deliveryId) share the records' sort-key range.
          FilterExpression:
            outcome === undefined
              ? 'attribute_exists(deliveryId)'
              : 'attribute_exists(deliveryId) AND outcome = :outcome',
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: limit,
        },
        limit,
      ),
    );
    const items = (await Promise.all(shards)).flat();
    items.sort(newestFirst);
    return readItems(items.slice(0, limit));
  }

  /**
   * Every attempt of a delivery id, newest first, with its payload copy while it is kept:
   * the byDeliveryId index (any provider) gives the keys, one BatchGetItem the items.
   */
  async findByDeliveryId(deliveryId: string): Promise<AuditListing> {
    const [index] = auditTable.globalSecondaryIndexes;
    const keys = await this.#queryAll(
      {
        TableName: this.#tableName,
        IndexName: index.indexName,
        KeyConditionExpression: 'deliveryId = :deliveryId',
        ExpressionAttributeValues: { ':deliveryId': { S: deliveryId } },
        ScanIndexForward: false,
      },
      // Index items hold keys only, no expiresAt: expiry is checked on the items themselves.
      Number.POSITIVE_INFINITY,
    );
    const wanted = keys.flatMap(({ pk, sk }) =>
      pk?.S === undefined || sk?.S === undefined
        ? []
        : [
            { pk, sk },
            { pk, sk: { S: payloadSortKey(sk.S) } },
          ],
    );
    const found = await this.#getAll(wanted);
    const payloads = new Map(
      found.filter(isPayloadItem).map((item) => [item.sk?.S as string, item] as const),
    );
    const records = found.filter((item) => !isPayloadItem(item)).sort(newestFirst);
    const listing = readItems(records);
    return {
      malformed: listing.malformed,
      records: listing.records.map((record) => {
        const payload = payloads.get(payloadSortKey(auditSortKey(record)));
        return payload === undefined ? record : withPayload(record, payload);
      }),
    };
  }

  /** The live items of `keys`, in no particular order; at most 100 keys per request. */
  async #getAll(keys: readonly AuditItem[]): Promise<AuditItem[]> {
    const nowSeconds = this.#now() / 1000;
    const live: AuditItem[] = [];
    for (let start = 0; start < keys.length; start += maxBatchGetKeys) {
      let pending: AuditItem[] | undefined = keys.slice(start, start + maxBatchGetKeys);
      for (let round = 0; pending !== undefined && pending.length > 0; round += 1) {
        if (round > 0) await delay(Math.min(1_000, 50 * 2 ** round));
        let page: BatchGetItemCommandOutput;
        try {
          page = await this.#dynamodb.send(
            new BatchGetItemCommand({
              RequestItems: { [this.#tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          );
        } catch (error) {
          throw unavailable('BatchGetItem', error);
        }
        for (const item of page.Responses?.[this.#tableName] ?? []) {
          const expiresAt = itemExpiresAt(item);
          if (expiresAt === undefined || expiresAt > nowSeconds) live.push(item);
        }
        pending = page.UnprocessedKeys?.[this.#tableName]?.Keys;
        if (round >= maxBatchGetRounds) throw unavailable('BatchGetItem', new Error('throttled'));
      }
    }
    return live;
  }

  /**
   * Writes an admin action's record (admin-record.ts) in the admin partition. Conditional on
   * its key being new: an audit record is never overwritten.
   */
  async writeAdminAction(record: AdminRecord): Promise<void> {
    const item = toAdminItem(record);
    try {
      await this.#dynamodb.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw unavailable('PutItem', error);
    }
  }

  /** Admin action records in [sinceMs, untilMs], newest first: one Query on the admin partition. */
  async listAdminActions(query: ListAdminActionsQuery): Promise<AdminListing> {
    const { sinceMs, untilMs, limit } = query;
    const problems = rangeAndLimitProblems(query);
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const items = await this.#queryAll(
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
        ExpressionAttributeValues: {
          ':pk': { S: adminPartitionKey },
          ':since': { S: auditTimeKey(sinceMs) },
          // '$' sorts right after '#': every sort key of the last millisecond is inside.
          ':until': { S: `${auditTimeKey(untilMs)}$` },
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      },
      limit,
    );
    const records: AdminRecord[] = [];
    const malformed: MalformedAuditItemError[] = [];
    for (const item of items) {
      try {
        records.push(fromAdminItem(item));
      } catch (error) {
        if (!(error instanceof MalformedAuditItemError)) throw error;
        malformed.push(error);
      }
    }
    return { records, malformed };
  }

  /** Follows the Query's pages until `wanted` live items are read or none are left. */
  async #queryAll(input: QueryCommandInput, wanted: number): Promise<AuditItem[]> {
    const nowSeconds = this.#now() / 1000;
    const live: AuditItem[] = [];
    let startKey: AuditItem | undefined;
    do {
      let page: QueryCommandOutput;
      try {
        page = await this.#dynamodb.send(
          new QueryCommand({
            ...input,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
      } catch (error) {
        throw unavailable('Query', error);
      }
      for (const item of page.Items ?? []) {
        const expiresAt = itemExpiresAt(item);
        if (expiresAt === undefined || expiresAt > nowSeconds) live.push(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && live.length < wanted);
    return live.slice(0, wanted);
  }
}

function listQueryProblems({ providerId, sinceMs, untilMs, limit }: ListByProviderQuery): string[] {
  const problems: string[] = [];
  if (!isProviderId(providerId) && providerId !== unregisteredProviderId) {
    problems.push('providerId is not a provider id');
  }
  problems.push(...rangeAndLimitProblems({ sinceMs, untilMs, limit }));
  return problems;
}

function rangeAndLimitProblems({ sinceMs, untilMs, limit }: ListAdminActionsQuery): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(untilMs) || sinceMs > untilMs) {
    problems.push(
      `sinceMs and untilMs must be whole milliseconds, since <= until; got ${sinceMs}, ${untilMs}`,
    );
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxListLimit) {
    problems.push(`limit must be a whole number from 1 to ${maxListLimit}, got ${limit}`);
  }
  return problems;
}

/** By sort key, descending: the time first, then delivery and request id for a stable order. */
function newestFirst(a: AuditItem, b: AuditItem): number {
  const [left, right] = [a.sk?.S ?? '', b.sk?.S ?? ''];
  return left < right ? 1 : left > right ? -1 : 0;
}

function readItems(items: readonly AuditItem[]): AuditListing {
  const records: AuditRecord[] = [];
  const malformed: MalformedAuditItemError[] = [];
  for (const item of items) {
    try {
      records.push(fromAuditItem(item));
    } catch (error) {
      if (!(error instanceof MalformedAuditItemError)) throw error;
      malformed.push(error);
    }
  }
  return { records, malformed };
}
