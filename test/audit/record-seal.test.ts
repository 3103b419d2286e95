/**
 * Seals on their own, under a fixed key: what a seal covers, what erasure may remove, and that
 * no seal can be moved to another record, another scope or another item.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditItem, type AuditRecord, toAuditItem } from '../../functions/audit/record.ts';
import {
  checkSeal,
  itemSealContent,
  recordSealContent,
  Sealer,
  type SealKeys,
  sealMacBytes,
} from '../../functions/audit/record-seal.ts';
import { recordSealAttributes, sealFromAttributes } from '../../functions/audit/seal-attributes.ts';
import { accepted, auditRecord, auditRecordArbitrary } from '../support/audit-records.ts';

const key = randomBytes(32);
const blob = randomBytes(48);
const fixedKey: SealKeys = {
  withDataKey: async (_bytes, use) => use({ plaintextKey: key, encryptedKey: blob }),
  prefetch: () => {},
};
const sealer = new Sealer(fixedKey);

/** The verdict on `record` as read back, against the seal made when `sealed` was written. */
async function verdictOn(sealed: AuditRecord, read: AuditRecord, withPersonal = true) {
  const seal = sealed.seal;
  if (seal === undefined) throw new Error('not sealed');
  return checkSeal(key, recordSealContent(read, seal.scope), seal, withPersonal);
}

describe('a record seal', () => {
  it('matches the record it was made for, and keeps 128 bits of each MAC with the key blob', async () => {
    const sealed = await sealer.sealRecord(auditRecord());
    expect(sealed.seal).toMatchObject({ scope: 'record', key: blob });
    expect(sealed.seal?.fields).toHaveLength(sealMacBytes);
    expect(sealed.seal?.personal).toHaveLength(sealMacBytes);
    expect(await verdictOn(sealed, sealed)).toBe('valid');
  });

  it('fails when any field is changed, kept and personal fields alike', async () => {
    await fc.assert(
      fc.asyncProperty(auditRecordArbitrary, async (record) => {
        const sealed = await sealer.sealRecord(record);
        expect(await verdictOn(sealed, { ...sealed, bodySha256: 'f'.repeat(64) })).toBe(
          record.bodySha256 === 'f'.repeat(64) ? 'valid' : 'fields_differ',
        );
        expect(await verdictOn(sealed, { ...sealed, receivedAtMs: record.receivedAtMs + 1 })).toBe(
          'fields_differ',
        );
        expect(await verdictOn(sealed, { ...sealed, sourceIp: '192.0.2.250' })).toBe(
          record.sourceIp === '192.0.2.250' ? 'valid' : 'personal_differ',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('still matches once erasure removed the personal fields and their MAC, on the fields it keeps', async () => {
    const sealed = await sealer.sealRecord(accepted({ subjectHash: 'a'.repeat(64) }));
    const {
      sourceIp: _ip,
      userAgent: _ua,
      encryptedHeaders: _headers,
      subjectHash: _subject,
      ...erased
    } = sealed;
    const marked = { ...erased, erasedAtMs: sealed.receivedAtMs + 1, erasureReceiptId: 'r-1' };
    expect(await verdictOn(sealed, marked, false)).toBe('valid');
    expect(await verdictOn(sealed, { ...marked, eventType: 'other.type' }, false)).toBe(
      'fields_differ',
    );
    // Erased fields gone while the record claims none: its personal MAC no longer matches.
    expect(await verdictOn(sealed, erased)).toBe('personal_differ');
  });

  it('does not move to another record, nor serve as an attempt seal', async () => {
    const first = await sealer.sealRecord(auditRecord({ deliveryId: 'evt_1' }));
    const seal = first.seal as NonNullable<AuditRecord['seal']>;
    const second = auditRecord({ deliveryId: 'evt_2' });
    expect(await verdictOn(first, { ...second, seal })).toBe('fields_differ');
    expect(checkSeal(key, recordSealContent(first, 'attempt'), seal, true)).toBe('fields_differ');
  });

  it('is written to and read back from an item as it was made', async () => {
    const sealed = await sealer.sealRecord(auditRecord());
    const stored = sealFromAttributes(toAuditItem(sealed), recordSealAttributes);
    expect(stored).toEqual({
      key: blob,
      fields: sealed.seal?.fields,
      personal: sealed.seal?.personal,
    });
  });
});

describe('an attempt seal', () => {
  it('covers the attempt: its provider, delivery, request, time, address and agent', async () => {
    const repeat = accepted({ deliveryId: 'evt_r', userAgent: 'agent/1' });
    const seal = await sealer.sealAttempt(repeat);
    const check = (record: AuditRecord) =>
      checkSeal(key, recordSealContent(record, 'attempt'), seal, true);
    expect(check(repeat)).toBe('valid');
    expect(check({ ...repeat, outcome: 'duplicate', reason: 'in_flight' })).toBe('valid');
    expect(check({ ...repeat, requestId: 'req-other' })).toBe('fields_differ');
    expect(check({ ...repeat, userAgent: 'agent/2' })).toBe('personal_differ');
  });
});

describe('an item seal', () => {
  const item: AuditItem = {
    pk: { S: '_admin' },
    sk: { S: '2026-12-06T00:00:00.000Z#req-1' },
    action: { S: 'provider.add' },
    detail: { M: { b: { S: '2' }, a: { S: '1' } } },
  };

  it('covers every attribute but its own, whatever order a map comes back in', async () => {
    const sealed = await sealer.sealItem(item);
    const seal = sealFromAttributes(sealed, recordSealAttributes);
    if (seal === undefined) throw new Error('not sealed');
    const reordered = { ...sealed, detail: { M: { a: { S: '1' }, b: { S: '2' } } } };
    expect(checkSeal(key, itemSealContent(reordered), seal, false)).toBe('valid');
    const edited = { ...sealed, action: { S: 'provider.remove' } };
    expect(checkSeal(key, itemSealContent(edited), seal, false)).toBe('fields_differ');
    const moved = { ...sealed, sk: { S: '2026-12-06T00:00:00.000Z#req-2' } };
    expect(checkSeal(key, itemSealContent(moved), seal, false)).toBe('fields_differ');
  });
});
