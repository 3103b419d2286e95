/**
 * Reads a page of audit-table items into records, keeping each item that cannot be read apart:
 * a listing should not hide every good record because one item is malformed.
 */
import { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import type { AuditItem } from '../../functions/audit/record.ts';

export interface ReadItems<Record> {
  readonly read: Record[];
  readonly malformed: MalformedAuditItemError[];
}

/**
 * `read` for each item, in order; any error but MalformedAuditItemError is thrown. An item is
 * an audit-table item unless the caller reads something that stands for one (audit-reader.ts
 * reads records already taken out of delivery items with those it could not take out).
 */
export function readEach<Record, Item = AuditItem>(
  items: readonly Item[],
  read: (item: Item) => Record,
): ReadItems<Record> {
  const records: Record[] = [];
  const malformed: MalformedAuditItemError[] = [];
  for (const item of items) {
    try {
      records.push(read(item));
    } catch (error) {
      if (!(error instanceof MalformedAuditItemError)) throw error;
      malformed.push(error);
    }
  }
  return { read: records, malformed };
}
