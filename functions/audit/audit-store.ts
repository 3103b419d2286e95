/**
 * The audit table's DynamoDB adapter for the records the ingest function writes beside its
 * delivery items (delivery-claims.ts): a PutItem per refused, failed or unrecorded repeat
 * attempt, and the accepted delivery's payload copy, an item of its own. Each PutItem is
 * conditional on its key being new: a record is never overwritten, and nothing is deleted
 * (docs/audit-integrity.md, "Append-only writes"). The operator's reads live in
 * ops/audit/audit-reader.ts. Any SDK failure becomes a DependencyUnavailableError.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamodbUnavailable } from '../aws/errors.ts';
import { InvalidAuditRecordError, KeyServiceUnavailableError } from './errors.ts';
import { type AuditItem, type AuditRecord, toAuditItem, toPayloadItem } from './record.ts';
import type { Sealer } from './record-seal.ts';

export interface AuditStoreOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** Seals each record it writes (record-seal.ts), under the ingest function's keys. */
  readonly sealer: Sealer;
}

/**
 * Writes audit records.
 * @example
 * const audit = new AuditStore({ dynamodb, tableName: process.env.AUDIT_TABLE_NAME });
 * await audit.writeAttempt(record);
 */
export class AuditStore {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #sealer: Sealer;

  constructor(options: AuditStoreOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#sealer = options.sealer;
  }

  /**
   * Seals and writes the record of a rejected, duplicate or failed attempt (one PutItem). An
   * accepted delivery's record is its delivery item, written by the claim. A `failed` record
   * that cannot be sealed because KMS fails (it may be why the attempt failed) is written
   * unsealed rather than lost: `audit verify` names it `unsealed`, and its reason says why.
   */
  async writeAttempt(record: AuditRecord): Promise<void> {
    if (record.outcome === 'accepted') {
      throw new InvalidAuditRecordError(['an accepted attempt is written by its claim']);
    }
    const { seal: _previous, ...unsealed } = record;
    // Checked first: a record that breaks a rule is a bug, whatever KMS does.
    toAuditItem(unsealed);
    let sealed: AuditRecord = unsealed;
    try {
      sealed = await this.#sealer.sealRecord(unsealed);
    } catch (error) {
      if (!(error instanceof KeyServiceUnavailableError && record.outcome === 'failed'))
        throw error;
    }
    await this.#put(toAuditItem(sealed));
  }

  /** Writes the accepted record's payload copy, if it has one (beside the send, step 2). */
  async writePayloadCopy(record: AuditRecord): Promise<void> {
    const item = toPayloadItem(record);
    if (item !== undefined) await this.#put(item);
  }

  /**
   * Writes a new item. Its key names one attempt (its time, delivery and request id): taken
   * already, it is this very write that the SDK retried after its first try was applied, and
   * what is there stays.
   */
  async #put(item: AuditItem): Promise<void> {
    try {
      await this.#dynamodb.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw dynamodbUnavailable('PutItem', error);
    }
  }
}
