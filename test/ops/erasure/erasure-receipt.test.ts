/**
 * The erasure receipt: the fields CCPA regulations 11 CCR §7101(b) ask of a record of a
 * consumer request, kept 24 months in a partition of its own, out of both indexes; and the
 * Art. 30 record's figures, which must match the configuration they describe.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidAuditRecordError,
  MalformedAuditItemError,
} from '../../../functions/audit/errors.ts';
import { payloadBucket } from '../../../functions/config/buckets.ts';
import { deadLetterQueue, deliveryQueue } from '../../../functions/config/queues.ts';
import { adminRetentionClass, retentionClasses } from '../../../functions/config/retention.ts';
import { pointInTimeRecoveryDays } from '../../../functions/config/tables.ts';
import {
  type ErasureReceipt,
  erasureLimits,
  erasurePartitionKey,
  erasureRetentionClass,
  fromReceiptItem,
  skeletonRetentionBasis,
  toReceiptItem,
} from '../../../ops/erasure/erasure-receipt.ts';

const respondedAtMs = Date.parse('2099-03-02T09:30:00.000Z');

function receipt(overrides: Partial<ErasureReceipt> = {}): ErasureReceipt {
  return {
    receiptId: '0b8e0a3a-5a43-4c55-8f6f-0e1c8a3f2b11',
    requestedAtMs: Date.parse('2099-02-27T00:00:00.000Z'),
    respondedAtMs,
    actor: 'arn:aws:sts::123456789012:assumed-role/privacy-officer/ada',
    requestRef: 'DSR-1042',
    requestChannel: 'e-mail',
    request: { kind: 'subject', providerId: 'shop', subjectHash: 'ab'.repeat(32) },
    response: 'erased',
    done: {
      recordsErased: 3,
      recordsAlreadyErased: 1,
      recordsNotFound: 0,
      payloadCopiesDeleted: 2,
      bodyObjectsDeleted: 1,
    },
    retained: [
      {
        retentionClass: 'standard',
        records: 3,
        keptUntilMs: Date.parse('2100-04-05T00:00:00.000Z'),
        basis: skeletonRetentionBasis.standard,
      },
    ],
    notReached: erasureLimits,
    ...overrides,
  };
}

describe('erasure receipt item', () => {
  it('round-trips every kind of request', () => {
    for (const request of [
      { kind: 'delivery', deliveryId: 'evt_1' },
      { kind: 'delivery', deliveryId: 'evt_1', providerId: 'shop' },
      { kind: 'range', providerId: '_unregistered', sinceMs: 0, untilMs: respondedAtMs },
      { kind: 'subject', providerId: 'shop', subjectHash: 'ab'.repeat(32) },
    ] as const) {
      expect(fromReceiptItem(toReceiptItem(receipt({ request })))).toEqual(receipt({ request }));
    }
  });

  it('holds the dates of the request and the response, what was asked and what was done', () => {
    const item = toReceiptItem(receipt());
    expect(item).toMatchObject({
      requestedAtMs: { N: String(Date.parse('2099-02-27T00:00:00.000Z')) },
      respondedAtMs: { N: String(respondedAtMs) },
      request: { M: { kind: { S: 'subject' }, subjectHash: { S: 'ab'.repeat(32) } } },
      response: { S: 'erased' },
      done: {
        M: {
          recordsErased: { N: '3' },
          payloadCopiesDeleted: { N: '2' },
          bodyObjectsDeleted: { N: '1' },
        },
      },
      requestRef: { S: 'DSR-1042' },
      requestChannel: { S: 'e-mail' },
    });
  });

  it('gives the basis for keeping each skeleton, and what the erasure cannot reach', () => {
    const item = toReceiptItem(receipt());
    expect(item.retained?.L?.[0]?.M?.basis?.S).toMatch(
      /PCI DSS v4\.0\.1 10\.5\.1.*GDPR Art\. 17\(3\)/,
    );
    const limits = item.notReached?.L?.map((line) => line.S).join('\n');
    expect(limits).toMatch(/point-in-time recovery.*35 days/);
    expect(limits).toMatch(/queue.*14 days/);
    expect(limits).toMatch(/consumers/);
  });

  it('is kept 24 months (consumer-requests) in its own partition, out of both indexes', () => {
    const item = toReceiptItem(receipt());
    expect(item.pk).toEqual({ S: erasurePartitionKey });
    expect(item.sk).toEqual({ S: '2099-03-02T09:30:00.000Z#0b8e0a3a-5a43-4c55-8f6f-0e1c8a3f2b11' });
    const days = retentionClasses['consumer-requests'].auditDays;
    expect(days).toBeGreaterThanOrEqual(730);
    expect(item.expiresAt).toEqual({ N: String(respondedAtMs / 1000 + days * 86_400) });
    expect(item.deliveryId).toBeUndefined();
    expect(item.subjectHash).toBeUndefined();
  });

  it.each([
    ['a request answered before it came', { requestedAtMs: respondedAtMs + 1 }, /requestedAtMs/],
    ['an incomplete response without its failure', { response: 'incomplete' }, /failure/],
    ['a failure on a complete response', { failure: 'dynamodb_unavailable' }, /failure/],
    [
      'a subject named by anything but a 64-digit hash',
      { request: { kind: 'subject', providerId: 'shop', subjectHash: 'ada@example.com' } },
      /subjectHash/,
    ],
    ['a negative count', { done: { ...receipt().done, recordsErased: -1 } }, /recordsErased/],
    ['a control character in the reference', { requestRef: 'DSR\n1' }, /requestRef/],
  ] as const)('refuses %s', (_, overrides, problem) => {
    const invalid = receipt(overrides as Partial<ErasureReceipt>);
    expect(() => toReceiptItem(invalid)).toThrow(InvalidAuditRecordError);
    expect(() => toReceiptItem(invalid)).toThrow(problem);
  });

  it('reads a receipt written before the payload bucket as having deleted no body from it', () => {
    const item = toReceiptItem(receipt());
    const { bodyObjectsDeleted: _bodies, ...olderCounts } = item.done?.M ?? {};
    const older = fromReceiptItem({ ...item, done: { M: olderCounts } });
    expect(older.done).toEqual({ ...receipt().done, bodyObjectsDeleted: 0 });
  });

  it('reads a receipt written under the retired PCI DSS v4.0 with the basis it was given', () => {
    const basis =
      'PCI DSS v4.0 10.5.1: audit log history kept 12 months (GDPR Art. 17(3)(b) where a law imposes it, Art. 17(3)(e) otherwise)';
    const retained = receipt().retained.map((entry) => ({ ...entry, basis }));
    expect(fromReceiptItem(toReceiptItem(receipt({ retained }))).retained).toEqual(retained);
  });

  it('still reads a receipt that lacks any other count as malformed', () => {
    const item = toReceiptItem(receipt());
    const { payloadCopiesDeleted: _copies, ...counts } = item.done?.M ?? {};
    expect(() => fromReceiptItem({ ...item, done: { M: counts } })).toThrow(
      MalformedAuditItemError,
    );
  });

  it('reads an item whose sort key does not match its receipt as malformed', () => {
    const item = { ...toReceiptItem(receipt()), sk: { S: '2099-01-01T00:00:00.000Z#other' } };
    expect(() => fromReceiptItem(item)).toThrow(MalformedAuditItemError);
  });
});

describe('docs/gdpr-article-30.md', () => {
  const doc = readFileSync(new URL('../../../docs/gdpr-article-30.md', import.meta.url), 'utf8');
  const row = (label: string) => doc.split('\n').find((line) => line.startsWith(`| ${label} |`));

  it('states every retention class as configured', () => {
    for (const [name, { auditDays }] of Object.entries(retentionClasses)) {
      expect(row(`Audit record, class \`${name}\``)).toContain(`| ${auditDays} days |`);
    }
    expect(row('Admin record')).toContain(
      `${retentionClasses[adminRetentionClass].auditDays} days`,
    );
    expect(row('Erasure receipt')).toContain(
      `${retentionClasses[erasureRetentionClass].auditDays} days`,
    );
  });

  it('states the backup window and the queue retention as configured', () => {
    expect(row('Point-in-time recovery of both tables')).toContain(
      `${pointInTimeRecoveryDays} days`,
    );
    const queueDays = deliveryQueue.retentionSeconds / 86_400;
    expect(row('Queued delivery')).toContain(`at most ${queueDays} days`);
    expect(doc).toContain(
      `| Point-in-time recovery of the audit table | ${pointInTimeRecoveryDays} days`,
    );
  });

  it('states how long the payload bucket keeps a body, and the dead-letter queue a message', () => {
    // S3 rounds an expiry up to the next midnight UTC: at most one day past the rule's days.
    const bucketDays = payloadBucket.expirationDays + 1;
    expect(bucketDays).toBeLessThanOrEqual(deliveryQueue.retentionSeconds / 86_400);
    expect(row('Body in the payload bucket')).toContain(`at most ${bucketDays} days`);
    expect(row('Queued delivery')).toContain(`${deadLetterQueue.retentionSeconds / 86_400} more`);
  });
});
