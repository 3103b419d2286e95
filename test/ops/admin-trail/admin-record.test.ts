import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryKey } from '../../../functions/audit/delivery-item.ts';
import {
  InvalidAuditRecordError,
  MalformedAuditItemError,
} from '../../../functions/audit/errors.ts';
import { auditPartitionKey } from '../../../functions/audit/record.ts';
import { retentionClasses } from '../../../functions/config/retention.ts';
import { auditShards } from '../../../functions/config/tables.ts';
import {
  type AdminRecord,
  adminActions,
  adminDetailNames,
  adminPartitionKey,
  fromAdminItem,
  isReadAction,
  toAdminItem,
} from '../../../ops/admin-trail/admin-record.ts';

const atMs = Date.parse('2099-03-01T12:00:00.000Z');

function adminRecord(overrides: Partial<AdminRecord> = {}): AdminRecord {
  return {
    requestId: '0b6f5a57-0d2c-4d8e-9d43-1f3a7c1e2b4d',
    actor: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
    host: 'ops-laptop',
    action: 'provider.rotate',
    target: 'stripe-live',
    atMs,
    outcome: 'succeeded',
    detail: { keyVersion: '2', graceSeconds: '86400' },
    ...overrides,
  };
}

const providerIdArbitrary = fc.stringMatching(/^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/);
/** Text without control characters (what every admin field allows). */
const textArbitrary = (maxLength: number) =>
  fc
    .string({ minLength: 1, maxLength })
    .filter((text) => [...text].every((char) => char >= ' ' && char !== '\u007f'));

const adminRecordArbitrary: fc.Arbitrary<AdminRecord> = fc
  .record({
    requestId: fc.uuid(),
    actor: textArbitrary(200),
    host: textArbitrary(60),
    action: fc.constantFrom(...adminActions),
    providerId: providerIdArbitrary,
    otherTarget: textArbitrary(100),
    atMs: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
    reason: fc.option(fc.constantFrom('provider_not_found', 'dynamodb_unavailable'), {
      nil: undefined,
    }),
    detail: fc.dictionary(fc.constantFrom(...adminDetailNames), textArbitrary(40)),
  })
  .map(({ providerId, otherTarget, reason, ...rest }) => ({
    ...rest,
    target: rest.action.startsWith('provider.') ? providerId : otherTarget,
    outcome: reason === undefined ? 'succeeded' : 'failed',
    ...(reason === undefined ? {} : { reason }),
  }));

describe('admin record item', () => {
  it('round-trips any valid record through its item', () => {
    fc.assert(
      fc.property(adminRecordArbitrary, (record) => {
        expect(fromAdminItem(toAdminItem(record))).toEqual(record);
      }),
    );
  });

  it('lies in the admin partition, sorted by time, kept for the extended class', () => {
    const item = toAdminItem(adminRecord());
    expect(item.pk).toEqual({ S: '_admin' });
    expect(item.sk).toEqual({ S: '2099-03-01T12:00:00.000Z#0b6f5a57-0d2c-4d8e-9d43-1f3a7c1e2b4d' });
    const sixYearsDays = retentionClasses.extended.auditDays;
    expect(sixYearsDays).toBeGreaterThanOrEqual(6 * 365);
    expect(item.expiresAt).toEqual({ N: String(atMs / 1000 + sixYearsDays * 86_400) });
    expect(item.retentionClass).toEqual({ S: 'extended' });
  });

  it('has no deliveryId attribute, so it stays out of the byDeliveryId index', () => {
    fc.assert(
      fc.property(adminRecordArbitrary, (record) => {
        expect(Object.keys(toAdminItem(record))).not.toContain('deliveryId');
      }),
    );
  });

  it("never shares a partition with a provider's attempts or a delivery item", () => {
    fc.assert(
      fc.property(
        providerIdArbitrary,
        fc.integer({ min: 0, max: auditShards - 1 }),
        textArbitrary(40),
        (providerId, shard, deliveryId) => {
          expect(auditPartitionKey(providerId, shard)).not.toBe(adminPartitionKey);
          expect(deliveryKey(providerId, deliveryId).pk?.S).not.toBe(adminPartitionKey);
        },
      ),
    );
  });

  it('tells reads of the audit trail from changes', () => {
    expect(adminActions.filter(isReadAction)).toEqual([
      'audit.list',
      'audit.show',
      'audit.stats',
      'audit.export',
      'audit.receipts',
      'audit.verify',
    ]);
    // An erasure changes the trail: it is reported when done, whether or not it is recorded.
    expect(isReadAction('audit.erase')).toBe(false);
    // So does a rotation of the subject-index secret, which the trail's index is keyed by.
    expect(isReadAction('audit.rotate-subject-secret')).toBe(false);
  });
});

describe('admin record rules', () => {
  it.each([
    ['a failure without its reason', { outcome: 'failed' }, 'reason'],
    ['a success with a reason', { reason: 'provider_not_found' }, 'reason'],
    ['an unknown action', { action: 'provider.rename' }, 'action'],
    ['a provider action on something not a provider id', { target: 'Bad.Id' }, 'target'],
    ['an empty actor', { actor: '' }, 'actor'],
    ['an actor with a line break', { actor: 'alice\nforged line' }, 'actor'],
    ['a request id with #', { requestId: 'a#b' }, 'requestId'],
    ['a time past year 9999', { atMs: Date.UTC(10_000, 0, 1) }, 'atMs'],
    ['a detail not on the list', { detail: { secret: 'whsec_x' } }, 'detail "secret"'],
    ['an empty detail value', { detail: { keyVersion: '' } }, 'detail "keyVersion"'],
  ] as const)('refuses %s', (_, overrides, named) => {
    const record = { ...adminRecord(), ...overrides } as AdminRecord;
    expect(() => toAdminItem(record)).toThrow(InvalidAuditRecordError);
    expect(() => toAdminItem(record)).toThrow(named);
  });

  it('accepts any target text for a read of the audit trail', () => {
    const record = adminRecord({
      action: 'audit.show',
      target: 'evt_1NG8Du2eZvKYlo2C',
      detail: {},
    });
    expect(fromAdminItem(toAdminItem(record))).toEqual(record);
  });

  it('reads an item whose keys do not match its record as malformed', () => {
    const item = toAdminItem(adminRecord());
    const moved = { ...item, sk: { S: `2024-01-01T00:00:00.000Z#${randomUUID()}` } };
    expect(() => fromAdminItem(moved)).toThrow(MalformedAuditItemError);
    expect(() => fromAdminItem({ ...item, pk: { S: 'stripe-live#0' } })).toThrow(/pk should be/);
  });

  it('reads an item without its detail map as malformed', () => {
    const { detail: _detail, ...item } = toAdminItem(adminRecord());
    expect(() => fromAdminItem(item)).toThrow(/detail is not a map/);
  });
});
