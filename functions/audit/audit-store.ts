/**
 * The audit table's DynamoDB adapter for records: a PutItem per refused or duplicate attempt,
 * one TransactWriteItems per accepted one (with its dedup marker, dedup.ts), and the reads the
 * CLI needs. Reads skip items past their `expiresAt`: DynamoDB's TTL deletes lazily (within
 * days), and a record past its retention must not be shown. A failed condition becomes a
 * domain result here, at the edge; any other SDK failure a DependencyUnavailableError.
 */
import {
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
  auditTimeKey,
  fromAuditItem,
  itemExpiresAt,
  toAuditItem,
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
          ...(outcome === undefined ? {} : { FilterExpression: 'outcome = :outcome' }),
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

  /** Every attempt of a delivery id, newest first, from the byDeliveryId index (any provider). */
  async findByDeliveryId(deliveryId: string): Promise<AuditListing> {
    const [index] = auditTable.globalSecondaryIndexes;
    const items = await this.#queryAll(
      {
        TableName: this.#tableName,
        IndexName: index.indexName,
        KeyConditionExpression: 'deliveryId = :deliveryId',
        ExpressionAttributeValues: { ':deliveryId': { S: deliveryId } },
        ScanIndexForward: false,
      },
      Number.POSITIVE_INFINITY,
    );
    return readItems(items);
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
  if (!isProviderId(providerId)) problems.push('providerId is not a provider id');
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
