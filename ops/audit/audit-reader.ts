/**
 * The reads of delivery records the operator's commands need (`audit list`, `show`, `stats`,
 * `export`, `replay`); the ingest function's writes are functions/audit/audit-store.ts. Reads
 * skip items past their `expiresAt` (audit-query.ts), and list each item that cannot be read
 * apart (read-items.ts). Any SDK failure becomes a DependencyUnavailableError.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  type AuditOutcome,
  type AuditRecord,
  auditPartitionKey,
  auditSortKey,
  fromAuditItem,
  isPayloadItem,
  payloadSortKey,
  unregisteredProviderId,
  withPayload,
} from '../../functions/audit/record.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import { auditShards, type auditTable } from '../../functions/config/tables.ts';
import { isProviderId } from '../../functions/registry/provider.ts';
import {
  type AuditTableOptions,
  isLive,
  type LiveReads,
  queryLive,
  queryLivePage,
  rangeAndLimitProblems,
  rangeProblems,
  timeKeyBounds,
} from './audit-query.ts';
import { InvalidAuditQueryError } from './errors.ts';
import { readEach } from './read-items.ts';

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

/** The index `audit show` reads, named so that adding another index cannot change it. */
const byDeliveryId: (typeof auditTable.globalSecondaryIndexes)[number]['indexName'] =
  'byDeliveryId';

/** BatchGetItem's limit per request. */
const maxBatchGetKeys = 100;
/** Rounds of UnprocessedKeys retried (with backoff) before the read counts as unavailable. */
const maxBatchGetRounds = 5;

/**
 * Reads delivery records.
 * @example
 * const audit = new AuditReader({ dynamodb, tableName: target.names.auditTableName });
 * const { records } = await audit.findByDeliveryId('evt_1');
 */
export class AuditReader {
  readonly #reads: LiveReads;
  readonly #tableName: string;

  constructor(options: AuditTableOptions) {
    this.#reads = { dynamodb: options.dynamodb, now: options.now ?? Date.now };
    this.#tableName = options.tableName;
  }

  /**
   * A provider's records received in [sinceMs, untilMs], newest first: one Query per shard, in
   * parallel, each reading newest first until it has `limit` live records, then merged.
   */
  async listByProvider(query: ListByProviderQuery): Promise<AuditListing> {
    const { providerId, sinceMs, untilMs, outcome, limit } = query;
    const problems = [...providerIdProblems(providerId), ...rangeAndLimitProblems(query)];
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const shards = Array.from({ length: auditShards }, (_, shard) =>
      queryLive(
        this.#reads,
        {
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
          ExpressionAttributeValues: {
            ':pk': { S: auditPartitionKey(providerId, shard) },
            ...timeKeyBounds(sinceMs, untilMs),
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
    const keys = await queryLive(
      this.#reads,
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
        ExpressionAttributeValues: {
          ':pk': { S: auditPartitionKey(providerId, shard) },
          ...timeKeyBounds(sinceMs, untilMs),
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
        const page = await queryLivePage(this.#reads, shard.input, shard.startKey);
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

  /** The live items of `keys`, in no particular order; at most 100 keys per request. */
  async #getAll(keys: readonly AuditItem[]): Promise<AuditItem[]> {
    const nowMs = this.#reads.now();
    const live: AuditItem[] = [];
    for (let start = 0; start < keys.length; start += maxBatchGetKeys) {
      let pending: AuditItem[] | undefined = keys.slice(start, start + maxBatchGetKeys);
      for (let round = 0; pending !== undefined && pending.length > 0; round += 1) {
        if (round > 0) await delay(Math.min(1_000, 50 * 2 ** round));
        let page: BatchGetItemCommandOutput;
        try {
          page = await this.#reads.dynamodb.send(
            new BatchGetItemCommand({
              RequestItems: { [this.#tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          );
        } catch (error) {
          throw dynamodbUnavailable('BatchGetItem', error);
        }
        for (const item of page.Responses?.[this.#tableName] ?? []) {
          if (isLive(item, nowMs)) live.push(item);
        }
        pending = page.UnprocessedKeys?.[this.#tableName]?.Keys;
        if (round >= maxBatchGetRounds) {
          throw dynamodbUnavailable('BatchGetItem', new Error('throttled'));
        }
      }
    }
    return live;
  }
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
