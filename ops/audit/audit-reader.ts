/**
 * The reads of delivery records the operator's commands need (`audit list`, `show`, `stats`,
 * `export`, `replay`); the ingest function's writes are functions/audit/audit-store.ts and
 * delivery-claims.ts. Refused and failed attempts are records of their own, under their
 * provider and time; an accepted delivery is one delivery item (functions/audit/delivery-item.ts)
 * that holds its repeats too, under its delivery id and listed by time in the `byTime` index.
 * Each read takes the records out of the delivery items it finds and orders them with the
 * others by their own sort keys. Reads skip items past their `expiresAt` (audit-query.ts), and
 * list each item that cannot be read apart (read-items.ts). Any SDK failure becomes a
 * DependencyUnavailableError.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { deliveryPartitionKey, fromDeliveryItem } from '../../functions/audit/delivery-item.ts';
import { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  type AuditOutcome,
  type AuditRecord,
  auditPartitionKey,
  auditShardOf,
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
  /**
   * The most items one Query page reads (before the filter), on the table and on the byTime
   * index alike. @default - DynamoDB's 1 MB page on the table, `maxBatchGetKeys` on the index
   */
  readonly pageSize?: number;
}

/** The next records in order (oldest first), each item among them that could not be read. */
export interface AuditBatch extends AuditListing {
  /** Query pages read so far, over every shard of the table and the index: progress on a long read. */
  readonly pagesRead: number;
}

type IndexName = (typeof auditTable.globalSecondaryIndexes)[number]['indexName'];

/** The index `audit show` reads, named so that adding another index cannot change it. */
const byDeliveryId: IndexName = 'byDeliveryId';

/** The keys-only index that lists delivery items by provider and time, as records are listed. */
const byTime: IndexName = 'byTime';

/** BatchGetItem's limit per request. */
const maxBatchGetKeys = 100;
/** Rounds of UnprocessedKeys retried (with backoff) before the read counts as unavailable. */
const maxBatchGetRounds = 5;

/**
 * One entry of a read before it is parsed, under the sort key it is ordered by: a record item
 * of the table (parsed only if it makes the cut), a record taken out of a delivery item, or
 * the error of a delivery item that could not be read (ordered as its accepted record).
 */
type Listed =
  | { readonly sortKey: string; readonly item: AuditItem }
  | { readonly sortKey: string; readonly record: AuditRecord }
  | { readonly sortKey: string; readonly malformed: MalformedAuditItemError };

/** What decides whether a record taken out of a delivery item belongs in a read. */
interface RecordFilter {
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly outcome?: AuditOutcome | undefined;
}

/** One source of a range read, in DynamoDB's order: a table shard, or an index shard. */
interface RangeStream {
  /** Reads the page at `startKey`; `readTo` is the sort key of the last item it read. */
  readonly readPage: (
    startKey: AuditItem | undefined,
  ) => Promise<{ entries: Listed[]; readTo: string | undefined; lastKey: AuditItem | undefined }>;
  /** Entries read and not yielded yet, in DynamoDB's order. */
  buffered: Listed[];
  /** How far the stream has read: nothing it reads later sorts before it. */
  readTo: string | undefined;
  startKey: AuditItem | undefined;
  exhausted: boolean;
}

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
   * A provider's records received in [sinceMs, untilMs], newest first: per shard, in parallel,
   * one Query of the table and one of the byTime index (its delivery items read and taken
   * apart), each reading newest first until it has `limit` live records, then merged.
   *
   * Known limit: a repeat of an accepted delivery is listed with its delivery's item, which is
   * listed by the accepted attempt's time. So a repeat inside the range of a delivery first
   * accepted before the range is not listed; nor is one of a delivery older than the `limit`
   * newest in its shard, though the repeat itself may be among the newest records.
   */
  async listByProvider(query: ListByProviderQuery): Promise<AuditListing> {
    const { providerId, outcome, limit } = query;
    const problems = [...providerIdProblems(providerId), ...rangeAndLimitProblems(query)];
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const shards = Array.from({ length: auditShards }, (_, shard) => shard);
    // A delivery item holds accepted and duplicate attempts only.
    const deliveries = outcome === undefined || outcome === 'accepted' || outcome === 'duplicate';
    const listed = await Promise.all([
      ...shards.map((shard) => this.#recordsInShard(query, shard)),
      ...(deliveries ? shards.map((shard) => this.#deliveriesInShard(query, shard)) : []),
    ]);
    return readListed(listed.flat().sort(newestFirst).slice(0, limit));
  }

  /**
   * Every attempt of a delivery id, newest first, with its payload copy while it is kept: the
   * byDeliveryId index (any provider) gives the keys of its records, a Query on its partition
   * its delivery items (any provider, those moved aside included), one BatchGetItem the
   * records and the payload copies.
   */
  async findByDeliveryId(deliveryId: string): Promise<AuditListing> {
    const [keys, deliveryItems] = await Promise.all([
      queryLive(
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
      ),
      queryLive(
        this.#reads,
        {
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: deliveryPartitionKey(deliveryId) } },
          ConsistentRead: true,
        },
        Number.POSITIVE_INFINITY,
      ),
    ]);
    const deliveries = deliveryItems.flatMap(deliveryEntries);
    const wanted = [
      ...keys.flatMap(({ pk, sk }) =>
        pk?.S === undefined || sk?.S === undefined
          ? []
          : [
              { pk, sk },
              { pk, sk: { S: payloadSortKey(sk.S) } },
            ],
      ),
      // An accepted record's copy is where it always was, beside where its record would be.
      ...deliveries.flatMap((entry) =>
        'record' in entry && entry.record.outcome === 'accepted'
          ? [payloadKeyOf(entry.record)]
          : [],
      ),
    ];
    const found = await this.#getAll(uniqueKeys(wanted));
    const payloads = new Map(
      found.filter(isPayloadItem).map((item) => [keyText(item), item] as const),
    );
    const records = found.filter((item) => !isPayloadItem(item)).map(tableEntry);
    const listing = readListed([...records, ...deliveries].sort(newestFirst));
    return {
      malformed: listing.malformed,
      records: listing.records.map((record) => {
        const payload = payloads.get(keyText(payloadKeyOf(record)));
        return payload === undefined ? record : withPayload(record, payload);
      }),
    };
  }

  /**
   * Every record of a provider received in [sinceMs, untilMs], oldest first and with no limit,
   * in batches (exports and statistics). Per shard, one Query of the table and one of the
   * byTime index, each read a page at a time (an index page's delivery items read and taken
   * apart) and merged by the records' own sort keys.
   *
   * Memory: a page per stream, and the repeats taken out of a delivery item that sort after
   * what its stream has read so far (a repeat comes after its accepted attempt, within the
   * provider's dedup window), held until the merge reaches them. A repeat received before the
   * attempt that claimed its delivery (concurrent requests) sorts before the item it is read
   * with, so it may come a little after its place.
   */
  async *readRangeByProvider(query: ReadRangeQuery): AsyncGenerator<AuditBatch> {
    const problems = readRangeProblems(query);
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const streams = Array.from({ length: auditShards }, (_, shard) => [
      this.#recordStream(query, shard),
      this.#deliveryStream(query, shard),
    ]).flat();
    let pagesRead = 0;
    const refill = async (stream: RangeStream) => {
      // A page can hold nothing live (payload copies, expired items), or only repeats that
      // sort after it: read on until the stream has an entry up to where it has read.
      while (!stream.exhausted && !hasReadyEntry(stream)) {
        const page = await stream.readPage(stream.startKey);
        pagesRead += 1;
        stream.buffered = inDynamoDbOrder([...stream.buffered, ...page.entries]);
        stream.readTo = page.readTo ?? stream.readTo;
        stream.startKey = page.lastKey;
        stream.exhausted = page.lastKey === undefined;
      }
    };
    for (;;) {
      await Promise.all(streams.map(refill));
      const open = streams.filter((stream) => !stream.exhausted);
      // What a stream has not read yet sorts after where it has read to: everything up to the
      // least of those is final in the merged order.
      const bound = open
        .map((stream) => stream.readTo ?? '')
        .reduce<string | undefined>(
          (least, key) => (least === undefined || compareSortKeys(key, least) < 0 ? key : least),
          undefined,
        );
      const ready: Listed[] = [];
      for (const stream of streams) {
        let taken = 0;
        while (
          taken < stream.buffered.length &&
          (bound === undefined ||
            compareSortKeys((stream.buffered[taken] as Listed).sortKey, bound) <= 0)
        ) {
          taken += 1;
        }
        ready.push(...stream.buffered.splice(0, taken));
      }
      yield { ...readListed(inDynamoDbOrder(ready)), pagesRead };
      if (open.length === 0) return;
    }
  }

  /** A shard's records in the range, newest first, up to `limit` live ones. */
  async #recordsInShard(query: ListByProviderQuery, shard: number): Promise<Listed[]> {
    const { providerId, sinceMs, untilMs, outcome, limit } = query;
    const items = await queryLive(
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
    );
    return items.map(tableEntry);
  }

  /**
   * A shard's accepted deliveries in the range, newest first, as their records in the range
   * (and of the outcome): index pages read until `limit` of those are taken out.
   */
  async #deliveriesInShard(query: ListByProviderQuery, shard: number): Promise<Listed[]> {
    const input = this.#byTimeInput(query, shard, { newestFirst: true, pageSize: query.limit });
    const listed: Listed[] = [];
    let startKey: AuditItem | undefined;
    do {
      const page = await queryLivePage(this.#reads, input, startKey);
      const items = await this.#getDeliveries(page.items);
      listed.push(...items.flatMap(deliveryEntries).filter((entry) => belongs(entry, query)));
      startKey = page.lastKey;
    } while (startKey !== undefined && listed.length < query.limit);
    return listed;
  }

  /** A shard of the table as a range stream: its records, oldest first. */
  #recordStream(query: ReadRangeQuery, shard: number): RangeStream {
    const { providerId, sinceMs, untilMs, pageSize } = query;
    const input = {
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
    } satisfies QueryCommandInput;
    return newStream(async (startKey) => {
      const page = await queryLivePage(this.#reads, input, startKey);
      return {
        entries: page.items.map(tableEntry),
        readTo: page.items.at(-1)?.sk?.S,
        lastKey: page.lastKey,
      };
    });
  }

  /**
   * A shard of the byTime index as a range stream: its delivery items by the accepted
   * attempt's time, each page's items read at once and taken apart. Without a page size,
   * a page is one BatchGetItem's worth of keys: a 1 MB page of keys names far more than
   * 1 MB of items.
   */
  #deliveryStream(query: ReadRangeQuery, shard: number): RangeStream {
    const input = this.#byTimeInput(query, shard, {
      newestFirst: false,
      pageSize: query.pageSize ?? maxBatchGetKeys,
    });
    return newStream(async (startKey) => {
      const page = await queryLivePage(this.#reads, input, startKey);
      const items = await this.#getDeliveries(page.items);
      return {
        entries: items.flatMap(deliveryEntries).filter((entry) => belongs(entry, query)),
        readTo: page.items.at(-1)?.listSk?.S,
        lastKey: page.lastKey,
      };
    });
  }

  /**
   * The Query of a shard's delivery items whose accepted attempt is in the range. The index is
   * global, so it cannot be read consistently: a delivery accepted a moment ago may be missing.
   */
  #byTimeInput(
    { providerId, sinceMs, untilMs }: RecordFilter & { readonly providerId: string },
    shard: number,
    page: { readonly newestFirst: boolean; readonly pageSize: number },
  ): QueryCommandInput {
    return {
      TableName: this.#tableName,
      IndexName: byTime,
      KeyConditionExpression: 'listPk = :pk AND listSk BETWEEN :since AND :until',
      ExpressionAttributeValues: {
        ':pk': { S: auditPartitionKey(providerId, shard) },
        ...timeKeyBounds(sinceMs, untilMs),
      },
      ScanIndexForward: !page.newestFirst,
      Limit: page.pageSize,
    };
  }

  /**
   * The live delivery items the byTime index entries name, each only while it still holds the
   * accepted attempt its entry lists: the index lags the table, and the key of an item moved
   * aside (delivery-claims.ts `replace`) holds a newer delivery, which its own entry lists.
   */
  async #getDeliveries(entries: readonly AuditItem[]): Promise<AuditItem[]> {
    const listedAs = new Set(entries.map((entry) => keyText(entry, entry.listSk)));
    const keys = entries.flatMap(({ pk, sk }) =>
      pk === undefined || sk === undefined ? [] : [{ pk, sk }],
    );
    const items = await this.#getAll(uniqueKeys(keys));
    return items.filter((item) => listedAs.has(keyText(item, item.listSk)));
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

function newStream(readPage: RangeStream['readPage']): RangeStream {
  return { readPage, buffered: [], readTo: undefined, startKey: undefined, exhausted: false };
}

/** Whether the stream holds an entry the merge may take once the others have read as far. */
function hasReadyEntry(stream: RangeStream): boolean {
  const [first] = stream.buffered;
  return (
    first !== undefined &&
    stream.readTo !== undefined &&
    compareSortKeys(first.sortKey, stream.readTo) <= 0
  );
}

/** A record item of the table, under its sort key. */
function tableEntry(item: AuditItem): Listed {
  return { sortKey: item.sk?.S ?? '', item };
}

/**
 * A delivery item's records (the accepted attempt, then its repeats), each under the sort key
 * it would have as a record of its own; the item's error, if it is not a valid one.
 */
function deliveryEntries(item: AuditItem): Listed[] {
  try {
    return fromDeliveryItem(item).map((record) => ({ sortKey: auditSortKey(record), record }));
  } catch (error) {
    if (!(error instanceof MalformedAuditItemError)) throw error;
    return [{ sortKey: item.listSk?.S ?? '', malformed: error }];
  }
}

/**
 * Whether an entry belongs in a read of the range (and outcome): a delivery item is found by
 * its accepted attempt's time, and its repeats may be past the range or of another outcome.
 */
function belongs(entry: Listed, { sinceMs, untilMs, outcome }: RecordFilter): boolean {
  if (!('record' in entry)) return true;
  const { record } = entry;
  return (
    record.receivedAtMs >= sinceMs &&
    record.receivedAtMs <= untilMs &&
    (outcome === undefined || record.outcome === outcome)
  );
}

/** The records and the errors of the entries, in order; table items are parsed here. */
function readListed(entries: readonly Listed[]): AuditListing {
  const { read: records, malformed } = readEach(entries, (entry: Listed) => {
    if ('item' in entry) return fromAuditItem(entry.item);
    if ('record' in entry) return entry.record;
    throw entry.malformed;
  });
  return { records, malformed };
}

/** Where a record's payload copy is: beside the record, or where it would be for an accepted delivery. */
function payloadKeyOf(record: AuditRecord): AuditItem {
  return {
    pk: { S: auditPartitionKey(record.providerId, auditShardOf(record.deliveryId)) },
    sk: { S: payloadSortKey(auditSortKey(record)) },
  };
}

/** An item's table key (and `extra`, if given) as one comparable text. */
function keyText(item: AuditItem, extra?: AuditItem[string]): string {
  return JSON.stringify([item.pk?.S, item.sk?.S, ...(extra === undefined ? [] : [extra.S])]);
}

/** The keys once each: BatchGetItem refuses a request that names a key twice. */
function uniqueKeys(keys: readonly AuditItem[]): AuditItem[] {
  return [...new Map(keys.map((key) => [keyText(key), key] as const)).values()];
}

/** By sort key, descending: the time first, then delivery and request id for a stable order. */
function newestFirst(a: Listed, b: Listed): number {
  return a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0;
}

/**
 * DynamoDB orders string sort keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16
 * units, which disagrees past U+FFFF (a delivery id may hold any text). The merge in
 * `readRangeByProvider` must order exactly as each shard's Query does.
 */
function compareSortKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** Sorted by sort key, ascending, in DynamoDB's order. */
function inDynamoDbOrder(entries: readonly Listed[]): Listed[] {
  return entries
    .map((entry) => ({ entry, key: Buffer.from(entry.sortKey, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ entry }) => entry);
}
