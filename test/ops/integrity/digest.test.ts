import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../functions/audit/record.ts';
import type { ErasureReceipt } from '../../../ops/erasure/erasure-receipt.ts';
import { checkChain, type StoredDigest } from '../../../ops/integrity/chain.ts';
import { type CurrentEntry, compareEntries } from '../../../ops/integrity/compare.ts';
import {
  type DigestDocument,
  digestBytes,
  digestFormat,
  digestKey,
  parseDigest,
  sha256Hex,
} from '../../../ops/integrity/digest-document.ts';
import { recordEntry } from '../../../ops/integrity/digest-entry.ts';
import { erasureReceipt } from '../../support/erasure-receipts.ts';

const receivedAtMs = Date.UTC(2026, 11, 6, 10, 3, 0);
const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  providerId: 'stripe-live',
  deliveryId: 'evt_1',
  requestId: 'req-1',
  receivedAtMs,
  outcome: 'accepted',
  scheme: 'stripe',
  keyId: 'v1',
  sourceIp: '203.0.113.9',
  userAgent: 'Stripe/1.0',
  bodySha256: 'a'.repeat(64),
  encryptedHeaders: Buffer.from([1, 2, 3]),
  retentionClass: 'standard',
  ...overrides,
});

/** What `webhooks audit erase` leaves of a record. */
const erased = (original: AuditRecord, receiptId: string, erasedAtMs: number): AuditRecord => {
  const { sourceIp: _ip, userAgent: _ua, encryptedHeaders: _headers, ...rest } = original;
  return { ...rest, erasedAtMs, erasureReceiptId: receiptId };
};

const receipt = (overrides: Partial<ErasureReceipt> = {}): ErasureReceipt =>
  erasureReceipt({
    requestedAtMs: receivedAtMs + 1000,
    respondedAtMs: receivedAtMs + 5000,
    request: { kind: 'delivery', deliveryId: 'evt_1', providerId: 'stripe-live' },
    ...overrides,
  });

const now = (record: AuditRecord): CurrentEntry => ({
  entry: recordEntry(record),
  atMs: record.receivedAtMs,
  record,
  subject: { kind: 'record', record },
});
const context = (receipts: ErasureReceipt[] = [], nowSeconds = receivedAtMs / 1000 + 60) => ({
  nowSeconds,
  receipt: (id: string) => receipts.find((r) => r.receiptId === id),
});

describe('comparing the table with a digest', () => {
  it('verifies a record as written, whatever order its fields come in', () => {
    const written = record();
    const reordered = Object.fromEntries(Object.entries(written).reverse()) as AuditRecord;
    const result = compareEntries([recordEntry(written)], [now(reordered)], context());
    expect(result).toEqual({ verified: 1, redacted: 0, expired: 0, findings: [] });
  });

  it('names a record whose kept fields, or personal fields without an erasure, changed', () => {
    const digested = [recordEntry(record()), recordEntry(record({ requestId: 'req-2' }))];
    const current = [
      now(record({ eventType: 'invoice.paid' })),
      now(record({ requestId: 'req-2', sourceIp: '198.51.100.1' })),
    ];
    const { findings, verified } = compareEntries(digested, current, context());
    expect(verified).toBe(0);
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'altered', detail: 'a field erasure keeps differs' }),
      expect.objectContaining({
        kind: 'altered',
        detail: 'its personal fields differ and it names no erasure',
      }),
    ]);
  });

  it('accepts an erasure only when a receipt in the table covers the record', () => {
    const written = record();
    const redacted = erased(written, 'rcpt-1', receivedAtMs + 2000);
    const digested = [recordEntry(written)];
    expect(compareEntries(digested, [now(redacted)], context([receipt()])).redacted).toBe(1);

    const noReceipt = compareEntries(digested, [now(redacted)], context());
    expect(noReceipt.findings[0]?.detail).toMatch(/receipt rcpt-1 is not in the audit table/);

    const otherDelivery = receipt({ request: { kind: 'delivery', deliveryId: 'evt_2' } });
    const wrong = compareEntries(digested, [now(redacted)], context([otherDelivery]));
    expect(wrong.findings[0]?.detail).toBe('erasure receipt rcpt-1 does not cover it');

    // An erasure cannot carry a change to what it keeps.
    const smuggled = { ...redacted, bodySha256: 'b'.repeat(64) };
    const changed = compareEntries(digested, [now(smuggled)], context([receipt()]));
    expect(changed.findings[0]?.kind).toBe('altered');
  });

  it('refuses an erasure its receipt could not have made', () => {
    const written = record();
    const redacted = erased(written, 'rcpt-1', receivedAtMs + 2000);
    const refusedBy = (changes: Partial<ErasureReceipt>, what = redacted) =>
      compareEntries([recordEntry(written)], [now(what)], context([receipt(changes)])).findings;
    expect(refusedBy({})).toEqual([]);
    // Nothing found, nothing erased: it answered, but it erased nothing.
    expect(refusedBy({ response: 'none_found' })).toHaveLength(1);
    // Erased before it was received, or outside the erasure's own time.
    expect(refusedBy({}, { ...redacted, erasedAtMs: receivedAtMs - 1 })).toHaveLength(1);
    expect(refusedBy({ respondedAtMs: receivedAtMs + 1000 })).toHaveLength(1);
    expect(refusedBy({ requestedAtMs: receivedAtMs + 3000 })).toHaveLength(1);
  });

  it('names a second item that reads as the same record, even beside the digested one', () => {
    const written = record();
    const { findings, verified } = compareEntries(
      [recordEntry(written)],
      [now(written), now({ ...written, sourceIp: '198.51.100.1' })],
      context(),
    );
    expect(verified).toBe(1);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'unexpected',
        detail: 'another item reads as the same record',
      }),
    ]);
  });

  it('never hashes a source address it could be recovered from: only beside encrypted headers', () => {
    const { encryptedHeaders: _headers, ...bare } = record({ outcome: 'duplicate' });
    const repeat = bare as AuditRecord;
    // Without headers, the address and agent are left out, so trying addresses finds nothing.
    expect(recordEntry({ ...repeat, sourceIp: '198.51.100.1' }).personal).toBe(
      recordEntry({ ...repeat, sourceIp: '203.0.113.9' }).personal,
    );
    // With them, a changed address is a changed record.
    expect(recordEntry(record({ sourceIp: '198.51.100.1' })).personal).not.toBe(
      recordEntry(record()).personal,
    );
  });

  it('counts a record gone after its retention as expired, before it as missing', () => {
    const entry = recordEntry(record({ retentionClass: 'minimal' }));
    expect(compareEntries([entry], [], context([], entry.expiresAt)).expired).toBe(1);
    const early = compareEntries([entry], [], context([], entry.expiresAt - 1));
    expect(early.findings).toEqual([expect.objectContaining({ kind: 'missing' })]);
  });

  it('names a record the digest does not list', () => {
    const { findings } = compareEntries([], [now(record())], context());
    expect(findings).toEqual([
      {
        kind: 'unexpected',
        id: `stripe-live#${new Date(receivedAtMs).toISOString()}#evt_1#req-1`,
        detail: 'the digest of its period does not list it',
      },
    ]);
  });
});

describe('the digest chain', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicDer = publicKey.export({ type: 'spki', format: 'der' });
  const periodMs = 15 * 60_000;
  const start = Date.UTC(2026, 11, 6, 10, 0, 0);

  /** Three consecutive digests, chained and signed as the digest writer does. */
  const chain = (): StoredDigest[] => {
    const stored: StoredDigest[] = [];
    for (let index = 0; index < 3; index += 1) {
      const periodStartMs = start + index * periodMs;
      const before = stored.at(-1);
      const document: DigestDocument = {
        format: digestFormat,
        table: 'audit',
        periodStart: new Date(periodStartMs).toISOString(),
        periodEnd: new Date(periodStartMs + periodMs).toISOString(),
        writtenAt: new Date(periodStartMs + periodMs + 300_000).toISOString(),
        signingKey: 'arn:aws:kms:eu-west-1:111122223333:key/test',
        previous:
          before === undefined ? null : { key: before.key, sha256: sha256Hex(before.bytes) },
        partitions: [{ partition: 'stripe-live#3', entries: [recordEntry(record())] }],
      };
      const bytes = digestBytes(document);
      const signature = sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' });
      stored.push({ key: digestKey('audit', periodStartMs), bytes, signature });
    }
    return stored;
  };

  it('is intact and signed when written in order, and parses back to what was written', () => {
    const stored = chain();
    const checked = checkChain([...stored].reverse(), publicDer);
    expect(checked.findings).toEqual([]);
    expect(checked.signaturesValid).toBe(3);
    expect(checked.digests.map(({ key }) => key)).toEqual(stored.map(({ key }) => key));
    const first = stored[0] as StoredDigest;
    expect(parseDigest(first.key, first.bytes).partitions[0]?.entries[0]).toEqual(
      recordEntry(record()),
    );
  });

  it('names a digest whose bytes changed, one taken out, and one without its signature', () => {
    const [first, second, third] = chain() as [StoredDigest, StoredDigest, StoredDigest];
    const edited = Buffer.from(Buffer.from(first.bytes).toString('utf8').replace('req-1', 'req-9'));
    const tampered = checkChain([{ ...first, bytes: edited }, second, third], publicDer);
    expect(tampered.findings).toEqual([
      expect.objectContaining({ kind: 'bad_signature', key: first.key }),
      expect.objectContaining({ kind: 'broken_chain', key: second.key }),
    ]);

    const gap = checkChain([first, third], publicDer);
    expect(gap.findings.map(({ kind, key }) => [kind, key])).toEqual([
      ['broken_chain', third.key],
      ['broken_chain', third.key],
    ]);

    const unsigned = checkChain([{ ...second, signature: undefined }], publicDer);
    expect(unsigned.findings).toEqual([
      {
        kind: 'bad_signature',
        key: second.key,
        detail: 'its signature is missing (no .sig object, none in its metadata)',
      },
    ]);
  });

  it('verifies with plain openssl and the public key, as an auditor does offline', () => {
    const [first] = chain() as [StoredDigest];
    const dir = mkdtempSync(join(tmpdir(), 'digest-'));
    writeFileSync(join(dir, 'digest.json'), first.bytes);
    writeFileSync(join(dir, 'digest.json.sig'), first.signature as Uint8Array);
    writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const openssl = (file: string) => {
      const run = spawnSync(
        'openssl',
        ['dgst', '-sha256', '-verify', 'public.pem', '-signature', 'digest.json.sig', file],
        { cwd: dir, encoding: 'utf8' },
      );
      return { status: run.status, out: run.stdout };
    };
    expect(openssl('digest.json')).toEqual({ status: 0, out: 'Verified OK\n' });
    writeFileSync(join(dir, 'edited.json'), Buffer.concat([first.bytes, Buffer.from(' ')]));
    expect(openssl('edited.json')).toEqual({ status: 1, out: 'Verification failure\n' });
  });
});
