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
import {
  type AdminRecord,
  adminPartitionKey,
  fromAdminItem,
  toAdminItem,
} from '../../ops/admin-trail/admin-record.ts';
import { auditShards, type auditTable } from '../config/tables.ts';
import { isProviderId } from '../registry/provider.ts';
import type { Clock } from '../verify/types.ts';
import { confirmInTransaction, type DedupMarker, markerEntryIndex, unavailable } from './dedup.ts';
import {
  InvalidAuditQueryError,
  InvalidAuditRecordError,
  type MalformedAuditItemError,
} from './errors.ts';
import { putNewItem } from './put-new-item.ts';
import { readEach } from './read-items.ts';
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

/** The index `audit show` reads, named so that adding another index cannot change it. */
const byDeliveryId: (typeof auditTable.globalSecondaryIndexes)[number]['indexName'] =
  'byDeliveryId';

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

export interface ReadRangeQuery {
  readonly providerId: string;
  /** Inclusive. */
  readonly sinceMs: number;
  /** Inclusive. */
  readonly untilMs: number;
  /** The most items one Query page reads (before the filter). @default - DynamoDB's 1 MB page */
  readonly pageSize?: number;
}

/** The next records in order (oldest first), each item among them that could not be read. */
export interface AuditBatch extends AuditListing {
  /** Query pages read so far, over every shard: progress on a long read. */
  readonly pagesRead: number;
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
    const keys = await this.#queryAll(
      {
        TableName: this.#tableName,
        IndexName: byDeliveryId,
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
    await putNewItem(this.#dynamodb, this.#tableName, toAdminItem(record));
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
    const { read: records, malformed } = readEach(items, fromAdminItem);
    return { records, malformed };
  }

  /**
   * Every record of a provider received in [sinceMs, untilMs], oldest first and with no limit,
   * in batches (exports and statistics). One Query per shard, read a page at a time and merged,
   * so no more than a page per shard is held at once.
   */
  async *readRangeByProvider(query: ReadRangeQuery): AsyncGenerator<AuditBatch> {
    const { providerId, sinceMs, untilMs, pageSize } = query;
    const problems = readRangeProblems(query);
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const shards = Array.from({ length: auditShards }, (_, shard) => ({
      input: {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
        // '$' sorts right after '#', so every sort key of the last millisecond is inside.
        ExpressionAttributeValues: {
          ':pk': { S: auditPartitionKey(providerId, shard) },
          ':since': { S: auditTimeKey(sinceMs) },
          ':until': { S: `${auditTimeKey(untilMs)}$` },
        },
        // Records only: payload copies (no deliveryId) share the records' sort-key range.
        FilterExpression: 'attribute_exists(deliveryId)',
        ScanIndexForward: true,
        ConsistentRead: true,
        ...(pageSize === undefined ? {} : { Limit: pageSize }),
      } satisfies QueryCommandInput,
      buffered: [] as AuditItem[],
      startKey: undefined as AuditItem | undefined,
      exhausted: false,
    }));
    let pagesRead = 0;
    const refill = async (shard: (typeof shards)[number]) => {
      // A page can hold nothing live (payload copies, expired items): read on until it does.
      while (!shard.exhausted && shard.buffered.length === 0) {
        const page = await this.#queryPage(shard.input, shard.startKey);
        pagesRead += 1;
        shard.buffered.push(...page.items);
        shard.startKey = page.lastKey;
        shard.exhausted = page.lastKey === undefined;
      }
    };
    for (;;) {
      await Promise.all(shards.map(refill));
      const open = shards.filter((shard) => !shard.exhausted);
      // What a shard has not read yet sorts after its last buffered item: everything up to the
      // least of those last items is final in the merged order.
      const bound = open
        .map((shard) => sortKeyOf(shard.buffered.at(-1)))
        .reduce<string | undefined>(
          (least, key) => (least === undefined || compareSortKeys(key, least) < 0 ? key : least),
          undefined,
        );
      const ready: AuditItem[] = [];
      for (const shard of shards) {
        let taken = 0;
        while (
          taken < shard.buffered.length &&
          (bound === undefined || compareSortKeys(sortKeyOf(shard.buffered[taken]), bound) <= 0)
        ) {
          taken += 1;
        }
        ready.push(...shard.buffered.splice(0, taken));
      }
      yield { ...readItems(oldestFirst(ready)), pagesRead };
      if (open.length === 0) return;
    }
  }

  /** Follows the Query's pages until `wanted` live items are read or none are left. */
  async #queryAll(input: QueryCommandInput, wanted: number): Promise<AuditItem[]> {
    const live: AuditItem[] = [];
    let startKey: AuditItem | undefined;
    do {
      const page = await this.#queryPage(input, startKey);
      live.push(...page.items);
      startKey = page.lastKey;
    } while (startKey !== undefined && live.length < wanted);
    return live.slice(0, wanted);
  }

  /** One page of a Query: its live items, and where the next page starts (none after the last). */
  async #queryPage(input: QueryCommandInput, startKey: AuditItem | undefined) {
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
    const nowSeconds = this.#now() / 1000;
    const items = (page.Items ?? []).filter((item) => {
      const expiresAt = itemExpiresAt(item);
      return expiresAt === undefined || expiresAt > nowSeconds;
    });
    return { items, lastKey: page.LastEvaluatedKey };
  }
}

function listQueryProblems({ providerId, sinceMs, untilMs, limit }: ListByProviderQuery): string[] {
  return [...providerIdProblems(providerId), ...rangeAndLimitProblems({ sinceMs, untilMs, limit })];
}

function readRangeProblems({ providerId, sinceMs, untilMs, pageSize }: ReadRangeQuery): string[] {
  const problems = [...providerIdProblems(providerId), ...rangeProblems(sinceMs, untilMs)];
  if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || pageSize < 1)) {
    problems.push(`pageSize must be a whole number from 1, got ${pageSize}`);
  }
  return problems;
}

function providerIdProblems(providerId: string): string[] {
  return isProviderId(providerId) || providerId === unregisteredProviderId
    ? []
    : ['providerId is not a provider id'];
}

function rangeProblems(sinceMs: number, untilMs: number): string[] {
  return !Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(untilMs) || sinceMs > untilMs
    ? [`sinceMs and untilMs must be whole milliseconds, since <= until; got ${sinceMs}, ${untilMs}`]
    : [];
}

function rangeAndLimitProblems({ sinceMs, untilMs, limit }: ListAdminActionsQuery): string[] {
  const problems = rangeProblems(sinceMs, untilMs);
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

const sortKeyOf = (item: AuditItem | undefined): string => item?.sk?.S ?? '';

/**
 * DynamoDB orders string sort keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16
 * units, which disagrees past U+FFFF (a delivery id may hold any text). The merge in
 * `readRangeByProvider` must order exactly as each shard's Query does.
 */
function compareSortKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** Sorted by sort key, ascending, in DynamoDB's order. */
function oldestFirst(items: readonly AuditItem[]): AuditItem[] {
  return items
    .map((item) => ({ item, key: Buffer.from(sortKeyOf(item), 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ item }) => item);
}

function readItems(items: readonly AuditItem[]): AuditListing {
  const { read: records, malformed } = readEach(items, fromAuditItem);
  return { records, malformed };
}
