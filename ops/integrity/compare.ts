/**
 * What the table holds now against what a digest recorded for the same period. Each digested
 * entry is `verified` (unchanged), `redacted` (its personal fields erased by an erasure whose
 * receipt covers it), `expired` (gone after its retention ended: DynamoDB's TTL) or a finding:
 * `altered`, `missing`; a record now in the period that the digest does not list is
 * `unexpected` (inserted, or written after its period was digested).
 */
import type { AuditRecord } from '../../functions/audit/record.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { type ErasureReceipt, erasureRetentionClass } from '../erasure/erasure-receipt.ts';
import type { DigestEntry } from './digest-entry.ts';
import type { SealSubject } from './seal-check.ts';

export const findingKinds = ['altered', 'missing', 'unexpected'] as const;
export type FindingKind = (typeof findingKinds)[number];

export interface Finding {
  readonly kind: FindingKind;
  readonly id: string;
  /** Why, in a sentence: which hash differs, or which receipt does not cover it. */
  readonly detail: string;
}

export interface Comparison {
  readonly verified: number;
  readonly redacted: number;
  readonly expired: number;
  readonly findings: readonly Finding[];
}

/** One record as read now: its entry and time, and the record itself where it is erased. */
export interface CurrentEntry {
  readonly entry: DigestEntry;
  /** When it was received (a delivery record) or written (an admin record, a receipt). */
  readonly atMs: number;
  /** An erased delivery record, whose receipt is checked. @default - not erased, or an item */
  readonly record?: AuditRecord;
  /** What its seal is checked against (seal-check.ts). */
  readonly subject: SealSubject;
}

export interface CompareContext {
  /** Unix seconds. */
  readonly nowSeconds: number;
  /** The receipt with this id, as the audit table holds it now, if its seal is an operator's. */
  readonly receipt: (receiptId: string) => ErasureReceipt | undefined;
  /** Why a receipt in the table does not count (its seal), if it does not. @default - none */
  readonly receiptProblem?: (receiptId: string) => string | undefined;
}

export function compareEntries(
  digested: readonly DigestEntry[],
  current: readonly CurrentEntry[],
  context: CompareContext,
): Comparison {
  const { byId: now, findings } = indexEntries(current);
  let verified = 0;
  let redacted = 0;
  let expired = 0;
  for (const entry of digested) {
    const found = now.get(entry.id);
    now.delete(entry.id);
    if (found === undefined) {
      if (entry.expiresAt <= context.nowSeconds) expired += 1;
      else findings.push({ kind: 'missing', id: entry.id, detail: missingDetail(entry) });
      continue;
    }
    if (found.entry.fields !== entry.fields) {
      findings.push({ kind: 'altered', id: entry.id, detail: 'a field erasure keeps differs' });
    } else if (found.entry.personal === entry.personal) {
      verified += 1;
    } else {
      const refusal = erasureRefusal(found.record, context);
      if (refusal === undefined) redacted += 1;
      else findings.push({ kind: 'altered', id: entry.id, detail: refusal });
    }
  }
  for (const id of now.keys()) {
    findings.push({ kind: 'unexpected', id, detail: 'the digest of its period does not list it' });
  }
  return { verified, redacted, expired, findings };
}

/**
 * The entries by id, the first of each; and a finding for each other item that reads as the
 * same record: one of them was put there beside the other.
 */
export function indexEntries(current: readonly CurrentEntry[]): {
  byId: Map<string, CurrentEntry>;
  findings: Finding[];
} {
  const byId = new Map<string, CurrentEntry>();
  const findings: Finding[] = [];
  for (const item of current) {
    if (byId.has(item.entry.id)) {
      findings.push({
        kind: 'unexpected',
        id: item.entry.id,
        detail: 'another item reads as the same record',
      });
    } else {
      byId.set(item.entry.id, item);
    }
  }
  return { byId, findings };
}

function missingDetail(entry: DigestEntry): string {
  const until = new Date(entry.expiresAt * 1000).toISOString();
  return `deleted before its retention ends (${until})`;
}

/** Why a change to a record's personal fields is not a lawful erasure; undefined when it is. */
export function erasureRefusal(record: AuditRecord | undefined, context: CompareContext) {
  const erasedAtMs = record?.erasedAtMs;
  if (record?.erasureReceiptId === undefined || erasedAtMs === undefined) {
    return 'its personal fields differ and it names no erasure';
  }
  const problem = context.receiptProblem?.(record.erasureReceiptId);
  if (problem !== undefined) {
    return `its personal fields are erased, but erasure receipt ${record.erasureReceiptId} ${problem}`;
  }
  const receipt = context.receipt(record.erasureReceiptId);
  if (receipt === undefined) {
    // A receipt is kept 24 months (11 CCR §7101); a record of a longer class outlives it.
    const receiptKeptUntilMs =
      erasedAtMs + retentionClasses[erasureRetentionClass].auditDays * dayMs;
    return receiptKeptUntilMs < context.nowSeconds * 1000
      ? undefined
      : `its personal fields differ and erasure receipt ${record.erasureReceiptId} is not in the audit table`;
  }
  if (!receiptCovers(receipt, record, erasedAtMs)) {
    return `erasure receipt ${receipt.receiptId} does not cover it`;
  }
  return undefined;
}

function receiptCovers(receipt: ErasureReceipt, record: AuditRecord, erasedAtMs: number): boolean {
  // Erased after it was received, and during the erasure the receipt answers, which did erase.
  const inOrder =
    record.receivedAtMs <= erasedAtMs &&
    receipt.requestedAtMs <= erasedAtMs &&
    erasedAtMs <= receipt.respondedAtMs &&
    receipt.response !== 'none_found' &&
    receipt.done.recordsErased + receipt.done.recordsAlreadyErased > 0;
  const { request } = receipt;
  switch (request.kind) {
    case 'delivery':
      return (
        inOrder &&
        request.deliveryId === record.deliveryId &&
        (request.providerId === undefined || request.providerId === record.providerId)
      );
    case 'range':
      // A delivery is selected by its accepted attempt's time; its repeats may come later.
      return (
        inOrder &&
        request.providerId === record.providerId &&
        record.receivedAtMs >= request.sinceMs &&
        (record.outcome === 'duplicate' || record.receivedAtMs <= request.untilMs)
      );
    case 'subject':
      // The subject's hash is one of the fields erased, so only the provider can be matched.
      return inOrder && request.providerId === record.providerId;
  }
}

const dayMs = 86_400_000;
