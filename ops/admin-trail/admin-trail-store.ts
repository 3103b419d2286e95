/**
 * The admin trail's DynamoDB adapter: writes each admin action's record (admin-record.ts) in
 * the audit table's admin partition, and lists them by time (`audit list --admin`). Reads
 * skip records past their `expiresAt` (../audit/audit-query.ts).
 */
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import type { Sealer } from '../../functions/audit/record-seal.ts';
import {
  type AuditTableOptions,
  type LiveReads,
  queryLive,
  type RangeAndLimit,
  rangeAndLimitProblems,
  timeKeyBounds,
} from '../audit/audit-query.ts';
import { InvalidAuditQueryError } from '../audit/errors.ts';
import { putNewItem } from '../audit/put-new-item.ts';
import { readEach } from '../audit/read-items.ts';
import { type AdminRecord, adminPartitionKey, fromAdminItem, toAdminItem } from './admin-record.ts';

export interface AdminTrailStoreOptions extends AuditTableOptions {
  /** Seals each admin record (record-seal.ts), under the operator's keys. */
  readonly sealer: Sealer;
}

/** A time range, both ends inclusive, and the most records returned: 1 to `maxListLimit`. */
export type ListAdminActionsQuery = RangeAndLimit;

/** Admin records newest first, and each item that could not be read. */
export interface AdminListing {
  readonly records: readonly AdminRecord[];
  readonly malformed: readonly MalformedAuditItemError[];
}

/**
 * Writes and lists admin action records.
 * @example
 * const trail = new AdminTrailStore({ dynamodb, tableName, sealer: operatorSealerOf(target) });
 * await trail.writeAdminAction(record);
 */
export class AdminTrailStore {
  readonly #reads: LiveReads;
  readonly #tableName: string;
  readonly #sealer: Sealer;

  constructor(options: AdminTrailStoreOptions) {
    this.#reads = { dynamodb: options.dynamodb, now: options.now ?? Date.now };
    this.#tableName = options.tableName;
    this.#sealer = options.sealer;
  }

  /**
   * Seals and writes an admin action's record in the admin partition. Conditional on its key
   * being new: an audit record is never overwritten.
   */
  async writeAdminAction(record: AdminRecord): Promise<void> {
    const item = await this.#sealer.sealItem(toAdminItem(record));
    await putNewItem(this.#reads.dynamodb, this.#tableName, item);
  }

  /** Admin action records in [sinceMs, untilMs], newest first: one Query on the admin partition. */
  async listAdminActions(query: ListAdminActionsQuery): Promise<AdminListing> {
    const { sinceMs, untilMs, limit } = query;
    const problems = rangeAndLimitProblems(query);
    if (problems.length > 0) throw new InvalidAuditQueryError(problems);
    const items = await queryLive(
      this.#reads,
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
        ExpressionAttributeValues: {
          ':pk': { S: adminPartitionKey },
          ...timeKeyBounds(sinceMs, untilMs),
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
}
