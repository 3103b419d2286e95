/**
 * One audit record as a digest lists it: its identity, two SHA-256 hashes of its content and
 * when its retention lets DynamoDB's TTL delete it. The hashes are split so that a lawful
 * erasure still verifies: `fields` covers everything erasure keeps, `personal` the fields it
 * removes (`erasedPersonalFields`). An erased record must match `fields` exactly; only
 * `personal` may differ, and only when an erasure receipt names the record (compare.ts).
 *
 * Delivery records are hashed as records (record.ts), not as items: an accepted delivery's item
 * gains each repeat attempt later (delivery-item.ts), and each attempt is a record of its own
 * with its own time, so it belongs to the digest of the period it arrived in. Admin records and
 * erasure receipts are written once and never changed, so they are hashed as items.
 *
 * The payload copy is not covered: it is an item of its own with a shorter TTL, and erasure
 * deletes it; the record keeps the body's SHA-256, which is.
 *
 * A digest outlives erasure (it is under Object Lock), so `personal` must not be reversible: a
 * hash of a source address alone is, by trying every address. It covers the source address and
 * user agent only together with the encrypted headers, whose random IV and wrapped data key no
 * one can guess; a record without them (a repeat attempt, a class that keeps no headers) has
 * only its subject hash, a keyed hash already, covered, and its address and agent not at all.
 */
import { createHash } from 'node:crypto';
import { canonicalPairs, type FieldPairs, itemPairs } from '../../functions/audit/canonical.ts';
import {
  type AuditItem,
  type AuditRecord,
  auditExpiresAt,
  auditRecordId,
  auditSortKey,
  itemExpiresAt,
} from '../../functions/audit/record.ts';
import { coveredFields } from '../../functions/audit/record-seal.ts';

export interface DigestEntry {
  /** `<partition owner>#<sort key>`: a delivery record's provider and `auditSortKey`. */
  readonly id: string;
  /** SHA-256 (hex) of the canonical form of every field erasure keeps. */
  readonly fields: string;
  /** SHA-256 (hex) of the canonical form of the fields erasure removes. */
  readonly personal: string;
  /** Unix seconds; after it, the record's absence is its retention, not a finding. */
  readonly expiresAt: number;
}

/**
 * A delivery record's entry: the fields its seal covers (`coveredFields`: not the seal, the
 * erasure marker or the payload copy), hashed, the guessable ones left out (see above).
 */
export function recordEntry(record: AuditRecord): DigestEntry {
  const { kept, personal } = coveredFields(record);
  const guessable = record.encryptedHeaders === undefined;
  const removed = guessable
    ? personal.filter(([name]) => name !== 'sourceIp' && name !== 'userAgent')
    : personal;
  return {
    id: recordEntryId(record),
    fields: hashOf(kept),
    personal: hashOf(removed),
    expiresAt: auditExpiresAt(record),
  };
}

/** The entry id of a delivery record. */
export function recordEntryId(record: AuditRecord): string {
  return auditRecordId(record.providerId, auditSortKey(record));
}

/**
 * The entry of an item that is never changed once written (an admin record, an erasure
 * receipt): every attribute, its `personal` hash that of nothing.
 */
export function itemEntry(item: AuditItem): DigestEntry {
  return {
    id: `${item.pk?.S ?? ''}#${item.sk?.S ?? ''}`,
    fields: hashOf(itemPairs(item)),
    personal: hashOf([]),
    expiresAt: itemExpiresAt(item) ?? Number.MAX_SAFE_INTEGER,
  };
}

/** SHA-256 of the fields' canonical form (canonical.ts). */
function hashOf(pairs: FieldPairs): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalPairs(pairs)), 'utf8')
    .digest('hex');
}
