/**
 * The audit table's DynamoDB adapter for what the ingest function writes: a PutItem per
 * refused or duplicate attempt, one TransactWriteItems per accepted one (with its dedup
 * marker, dedup.ts). The operator's reads live in ops/audit/audit-reader.ts. A failed
 * condition becomes a domain result here, at the edge; any other SDK failure a
 * DependencyUnavailableError.
 */
import {
  type DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamodbUnavailable } from '../aws/errors.ts';
import type { Clock } from '../verify/types.ts';
import { confirmInTransaction, type DedupMarker, markerEntryIndex } from './dedup.ts';
import { InvalidAuditRecordError } from './errors.ts';
import { type AuditRecord, toAuditItem, toPayloadItem } from './record.ts';

export interface AuditStoreOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: Clock;
}

/** `confirmed`: marker done and record written; `claim_lost`: neither, another attempt holds it. */
export type ConfirmResult = 'confirmed' | 'claim_lost';

/**
 * Writes audit records.
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
      throw dynamodbUnavailable('PutItem', error);
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
      throw dynamodbUnavailable('TransactWriteItems', error);
    }
  }
}
