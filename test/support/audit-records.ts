/**
 * Audit records to write, by hand (`auditRecord`, `accepted`) and by fast-check
 * (`auditRecordArbitrary`); and as a read returns them, sealed (`sealedAs`, `anySeal`).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AuditRecord } from '../../functions/audit/record.ts';
import type { RecordSeal } from '../../functions/audit/seal-attributes.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';
import { farFutureMs } from './clock.ts';

let requestCounter = 0;

/** A valid rejected attempt, changed by `overrides`; each call gets a fresh request id. */
export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  requestCounter += 1;
  return {
    providerId: 'stripe-live',
    deliveryId: 'evt_1',
    requestId: `req-${requestCounter}`,
    receivedAtMs: farFutureMs,
    outcome: 'rejected',
    reason: 'signature_mismatch',
    eventType: 'payment_intent.succeeded',
    scheme: 'stripe',
    sourceIp: '203.0.113.7',
    userAgent: 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    bodySha256: 'a'.repeat(64),
    encryptedHeaders: Buffer.from([1, 2, 3]),
    retentionClass: 'standard',
    ...overrides,
  };
}

/** The fields `auditRecord` needs to turn a rejected attempt into an accepted one. */
export const acceptedFields = {
  outcome: 'accepted',
  keyId: 'v1',
} as const;

/** Strips what `auditRecord` sets but an accepted record should not carry. */
export function accepted(overrides: Partial<AuditRecord> = {}): AuditRecord {
  const { reason: _reason, ...record } = auditRecord({ ...acceptedFields, ...overrides });
  return record;
}

/**
 * A seal of `scope` as a read returns it: its data key's blob and its fields MAC, and its
 * personal MAC unless `erased` (then it must be gone: `toEqual` fails on one still there).
 */
export function anySeal(scope: RecordSeal['scope'], { erased = false } = {}): RecordSeal {
  return {
    scope,
    key: expect.any(Buffer),
    fields: expect.any(Buffer),
    ...(erased
      ? {
          erasure: { key: expect.any(Buffer), mac: expect.any(Buffer), itemId: expect.any(String) },
        }
      : { personal: expect.any(Buffer) }),
  };
}

/** The attributes an erasure adds to an item: the operator's seal over the erasure. */
export const operatorErasureSeal = {
  erasureSealKey: { B: expect.any(Uint8Array) },
  erasureSeal: { B: expect.any(Uint8Array) },
};

/**
 * `record` as a read returns it once written: with a seal of `scope` (`record` for a record
 * item or a delivery item's accepted record, `attempt` for a repeat a delivery item holds),
 * without its personal MAC when `record` is erased.
 */
export function sealedAs(record: AuditRecord, scope: RecordSeal['scope'] = 'record'): AuditRecord {
  return { ...record, seal: anySeal(scope, { erased: record.erasedAtMs !== undefined }) };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the record refuses control characters
const controlCharacters = /[\u0000-\u001f\u007f]/;
const text = (maxLength: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(maxLength, 40) })
    .filter((value) => value.length <= maxLength && !controlCharacters.test(value));

/** Any valid audit record: optional fields absent or present, `#` and non-ASCII in ids. */
export const auditRecordArbitrary: fc.Arbitrary<AuditRecord> = fc
  .record(
    {
      providerId: fc.stringMatching(/^[a-z0-9]([a-z0-9_-]{0,20}[a-z0-9])?$/),
      deliveryId: fc.oneof(text(256), fc.constant('a#b#c')),
      requestId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
      receivedAtMs: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
      outcome: fc.constantFrom('accepted', 'duplicate', 'rejected', 'failed'),
      reason: text(256),
      eventType: text(256),
      scheme: fc.constantFrom(...(Object.keys(schemes) as (keyof typeof schemes)[])),
      keyId: fc.stringMatching(/^v[1-9][0-9]{0,3}$/),
      sourceIp: fc.oneof(fc.ipV4(), fc.ipV6()),
      userAgent: text(512),
      queueMessageId: fc.uuid(),
      bodySha256: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => {
        return Buffer.from(bytes).toString('hex');
      }),
      encryptedHeaders: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
      encryptedPayload: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
      payloadEncoding: fc.constant('gzip' as const),
      retentionClass: fc.constantFrom(
        ...(Object.keys(retentionClasses) as (keyof typeof retentionClasses)[]),
      ),
    },
    {
      requiredKeys: [
        'providerId',
        'deliveryId',
        'requestId',
        'receivedAtMs',
        'outcome',
        'reason',
        'scheme',
        'sourceIp',
        'bodySha256',
        'encryptedHeaders',
        'retentionClass',
      ],
    },
  )
  .map((candidate) => {
    const { queueMessageId, keyId, encryptedPayload, payloadEncoding, reason, ...rest } = candidate;
    const isAccepted = rest.outcome === 'accepted';
    const keepsPayload = retentionClasses[rest.retentionClass].payloadDays > 0;
    return {
      ...rest,
      ...(isAccepted ? { queueMessageId: queueMessageId ?? 'm-1', keyId: keyId ?? 'v1' } : {}),
      ...(!isAccepted && keyId !== undefined ? { keyId } : {}),
      ...(!isAccepted || queueMessageId === undefined ? { reason } : {}),
      ...(isAccepted && keepsPayload && encryptedPayload !== undefined
        ? { encryptedPayload, ...(payloadEncoding === undefined ? {} : { payloadEncoding }) }
        : {}),
    };
  });
