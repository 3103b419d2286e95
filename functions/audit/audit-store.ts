/**
 * The audit table's DynamoDB adapter for the records the ingest function writes beside its
 * delivery items (delivery-claims.ts): a PutItem per refused, failed or unrecorded repeat
 * attempt, and the accepted delivery's payload copy, an item of its own. The operator's reads
 * live in ops/audit/audit-reader.ts. Any SDK failure becomes a DependencyUnavailableError.
 */
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
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

  /** Deletes the payload copy of a delivery whose send failed: it belongs to no accepted record. */
  async deletePayloadCopy(record: AuditRecord): Promise<void> {
    const item = toPayloadItem(record);
    if (item?.pk === undefined || item.sk === undefined) return;
    try {
      await this.#dynamodb.send(
        new DeleteItemCommand({ TableName: this.#tableName, Key: { pk: item.pk, sk: item.sk } }),
      );
    } catch (error) {
      throw dynamodbUnavailable('DeleteItem', error);
    }
  }

  async #put(item: AuditItem): Promise<void> {
    try {
      await this.#dynamodb.send(new PutItemCommand({ TableName: this.#tableName, Item: item }));
    } catch (error) {
      throw dynamodbUnavailable('PutItem', error);
    }
  }
}
