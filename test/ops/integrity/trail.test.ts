/**
 * The digest writer and `audit verify`'s check against the local stack: DynamoDB Local for the
 * audit table, fauxqs for the digest bucket, the KMS stand-in for the signing key. Records are
 * written as the ingest path and the CLI write them, digested, then changed the ways an
 * operator or an attacker with table access could, and the lawful ways (erasure, TTL).
 */
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../../functions/audit/audit-store.ts';
import { deliveryKey } from '../../../functions/audit/delivery-item.ts';
import {
  type AuditRecord,
  auditPartitionKey,
  auditShardOf,
  auditSortKey,
  toAuditItem,
} from '../../../functions/audit/record.ts';
import { auditDigests } from '../../../functions/config/audit-digests.ts';
import { retentionClasses } from '../../../functions/config/retention.ts';
import { AdminTrailStore } from '../../../ops/admin-trail/admin-trail-store.ts';
import { ErasureStore, ErasureTally } from '../../../ops/erasure/erasure-store.ts';
import { digestKey, signatureKey } from '../../../ops/integrity/digest-document.ts';
import { DigestStore } from '../../../ops/integrity/digest-store.ts';
import { writeDueDigests } from '../../../ops/integrity/digest-writer.ts';
import {
  DigestAlreadyWrittenError,
  UntrustedLastDigestError,
} from '../../../ops/integrity/errors.ts';
import type { SealChecker } from '../../../ops/integrity/seal-check.ts';
import { type TrailVerification, verifyTrail } from '../../../ops/integrity/trail-verifier.ts';
import { accepted, auditRecord } from '../../support/audit-records.ts';
import { manualClock } from '../../support/clock.ts';
import { writeAccepted } from '../../support/delivery-items.ts';
import { digestTrailOn } from '../../support/digest-trail.ts';
import { erasureReceipt } from '../../support/erasure-receipts.ts';
import { startBudgetMs, startTestStack, type TestStack } from '../../support/stack.ts';

const periodMs = auditDigests.periodSeconds * 1000;
const settleMs = auditDigests.settleSeconds * 1000;
/** A period boundary far in the future: DynamoDB Local's TTL runs on the real clock. */
const p0 = Math.ceil(Date.parse('2099-03-01T12:00:00.000Z') / periodMs) * periodMs;
const bucket = 'audit-digests-test';

let test: TestStack;
let s3: S3Client;
let store: DigestStore;
let auditTableName: string;
let registryTableName: string;
let seals: SealChecker;
const clock = manualClock(p0);

const inP0 = (minute: number) => p0 + minute * 60_000;
const writer = () =>
  writeDueDigests({
    dynamodb: test.dynamodb,
    auditTableName,
    registryTableName,
    store,
    now: clock.now,
  });
const verify = (sinceMs = p0, untilMs = p0 + 2 * periodMs - 1): Promise<TrailVerification> =>
  verifyTrail(
    { dynamodb: test.dynamodb, auditTableName, registryTableName, store, now: clock.now, seals },
    { sinceMs, untilMs },
  );
const kinds = (result: TrailVerification) => result.findings.map(({ kind }) => kind).sort();

const rejected = auditRecord({ providerId: 'shop', deliveryId: 'evt_r', receivedAtMs: inP0(1) });
const kept = accepted({ providerId: 'shop', deliveryId: 'evt_a', receivedAtMs: inP0(2) });
const deleted = accepted({ providerId: 'shop', deliveryId: 'evt_d', receivedAtMs: inP0(3) });
const toErase = accepted({ providerId: 'shop', deliveryId: 'evt_e', receivedAtMs: inP0(4) });
const shortLived = auditRecord({
  providerId: 'shop',
  deliveryId: 'evt_m',
  receivedAtMs: inP0(5),
  retentionClass: 'minimal',
});

beforeAll(async () => {
  test = await startTestStack();
  ({ s3, store, seals, auditTableName, registryTableName } = await digestTrailOn(test, bucket, [
    'shop',
  ]));
  const audit = new AuditStore({
    dynamodb: test.dynamodb,
    tableName: auditTableName,
    sealer: test.sealer,
  });
  await audit.writeAttempt(rejected);
  await audit.writeAttempt(shortLived);
  for (const record of [kept, deleted, toErase]) {
    await writeAccepted(test.dynamodb, auditTableName, record);
  }
  await new AdminTrailStore({
    dynamodb: test.dynamodb,
    tableName: auditTableName,
    sealer: test.operatorSealer,
  }).writeAdminAction({
    requestId: 'admin-1',
    actor: 'local:ops',
    host: 'laptop',
    action: 'provider.add',
    target: 'shop',
    atMs: inP0(6),
    outcome: 'succeeded',
    detail: {},
  });
}, startBudgetMs);

afterAll(async () => {
  s3?.destroy();
  await test?.close();
});

describe('audit digests', () => {
  it('writes one digest per settled period, chained, each once it is due', async () => {
    // The first run covers the last period that has settled: the one before p0.
    clock.advance(periodMs + settleMs - 1);
    expect(await writer()).toEqual([
      expect.objectContaining({ key: digestKey(auditTableName, p0 - periodMs), records: 0 }),
    ]);
    clock.advance(1);
    const [first, ...none] = await writer();
    expect(none).toEqual([]);
    expect(first).toMatchObject({ key: digestKey(auditTableName, p0), records: 6 });
    expect(await writer()).toEqual([]);
    clock.advance(periodMs);
    const [second] = await writer();
    expect(second).toMatchObject({ key: digestKey(auditTableName, p0 + periodMs), records: 0 });

    const result = await verify();
    expect(result).toMatchObject({
      digests: 3,
      signaturesValid: 3,
      chainIntact: true,
      verified: 6,
      redacted: 0,
      expired: 0,
      findings: [],
    });
  });

  it('keeps each signature in its digest too: a lost .sig verifies, and the writer puts it back', async () => {
    const latest = signatureKey(digestKey(auditTableName, p0 + periodMs));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: latest }));
    expect(await verify()).toMatchObject({ signaturesValid: 3, findings: [] });
    expect(await writer()).toEqual([]);
    const restored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: latest }));
    expect((await restored.Body?.transformToByteArray())?.byteLength).toBeGreaterThan(0);
  });

  it('verifies an erasure its receipt covers, and a record gone after its retention', async () => {
    const erasure = new ErasureStore({
      dynamodb: test.dynamodb,
      tableName: auditTableName,
      sealer: test.operatorSealer,
    });
    const keys = await erasure.selectRecords({ kind: 'delivery', deliveryId: 'evt_e' });
    const marker = { erasedAtMs: clock.now(), receiptId: 'rcpt-e' };
    await erasure.eraseRecords(keys, marker, new ErasureTally());
    clock.advance(1000);
    await erasure.writeReceipt({
      receiptId: 'rcpt-e',
      requestedAtMs: marker.erasedAtMs,
      respondedAtMs: clock.now(),
      actor: 'local:ops',
      request: { kind: 'delivery', deliveryId: 'evt_e' },
      response: 'erased',
      done: {
        recordsErased: 1,
        recordsAlreadyErased: 0,
        recordsNotFound: 0,
        payloadCopiesDeleted: 1,
        bodyObjectsDeleted: 0,
      },
      retained: [],
      notReached: [],
    });
    const result = await verify();
    expect(result).toMatchObject({ verified: 5, redacted: 1, findings: [] });

    const later = manualClock(p0 + retentionClasses.minimal.auditDays * 86_400_000 + 10 * 60_000);
    const expired = await verifyTrail(
      {
        dynamodb: test.dynamodb,
        auditTableName,
        registryTableName,
        store,
        seals,
        now: later.now,
      },
      { sinceMs: p0, untilMs: p0 + periodMs - 1 },
    );
    expect(expired).toMatchObject({ expired: 1, redacted: 1, verified: 4 });
    // Only "the writer stopped": nothing was digested after the second period.
    expect(kinds(expired)).toEqual([]);
  });

  it('names a record altered, deleted or inserted, each by its id', async () => {
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: auditTableName,
        Key: {
          pk: { S: auditPartitionKey('shop', auditShardOf(rejected.deliveryId)) },
          sk: { S: auditSortKey(rejected) },
        },
        UpdateExpression: 'SET reason = :reason',
        ExpressionAttributeValues: { ':reason': { S: 'timestamp_out_of_tolerance' } },
      }),
    );
    await test.dynamodb.send(
      new DeleteItemCommand({ TableName: auditTableName, Key: deliveryKey('shop', 'evt_d') }),
    );
    const forged: AuditRecord = auditRecord({
      providerId: 'shop',
      deliveryId: 'evt_x',
      receivedAtMs: inP0(7),
    });
    await test.dynamodb.send(
      new PutItemCommand({ TableName: auditTableName, Item: toAuditItem(forged) }),
    );

    const result = await verify();
    expect(result.findings).toEqual(
      expect.arrayContaining([
        {
          kind: 'altered',
          id: `shop#${auditSortKey(rejected)}`,
          detail: 'a field erasure keeps differs',
        },
        {
          kind: 'altered',
          id: `shop#${auditSortKey(rejected)}`,
          detail: 'its seal does not match: a field erasure keeps differs from what was sealed',
        },
        expect.objectContaining({ kind: 'missing', id: `shop#${auditSortKey(deleted)}` }),
        expect.objectContaining({ kind: 'unexpected', id: `shop#${auditSortKey(forged)}` }),
        expect.objectContaining({ kind: 'unsealed', id: `shop#${auditSortKey(forged)}` }),
      ]),
    );
    expect(kinds(result)).toEqual(['altered', 'altered', 'missing', 'unexpected', 'unsealed']);
    expect(result.chainIntact).toBe(true);
  });

  it('names a digest rewritten in the bucket: its signature and the next link', async () => {
    const key = digestKey(auditTableName, p0);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"format":"forged"}' }));
    const result = await verify();
    expect(result.chainIntact).toBe(false);
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'bad_signature', id: key }),
        expect.objectContaining({ kind: 'malformed_digest', id: key }),
      ]),
    );
  });

  it('names time after the last digest once the writer should have covered it', async () => {
    // The last digest ends at p0 + 2 periods; the writer runs once a period.
    clock.advance(p0 + 4 * periodMs + settleMs - clock.now());
    const onTime = await verify(p0, clock.now());
    expect(onTime.findings.filter(({ kind }) => kind === 'not_digested')).toEqual([]);
    clock.advance(1);
    const result = await verify(p0, clock.now());
    expect(result.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'not_digested' })]),
    );
  });

  it('names a digest written over or hidden, and never writes a hidden one again', async () => {
    const hidden = digestKey(auditTableName, p0 + 2 * periodMs);
    const { versioned, options } = await withVersions(({ Prefix }) =>
      hidden.startsWith(String(Prefix)) || signatureKey(hidden).startsWith(String(Prefix))
        ? { Versions: [{ Key: hidden }, { Key: hidden }], DeleteMarkers: [{ Key: hidden }] }
        : {},
    );
    const result = await verifyTrail(
      { ...options, now: clock.now },
      { sinceMs: p0, untilMs: p0 + 3 * periodMs - 1 },
    );
    expect(result.findings).toContainEqual(
      expect.objectContaining({ kind: 'overwritten_digest', id: hidden }),
    );
    await expect(writeDueDigests({ ...options, now: clock.now })).rejects.toThrow(
      DigestAlreadyWrittenError,
    );
    versioned.destroy();
  });

  it('takes two versions of the same bytes for a retried put, and names versions that differ', async () => {
    const retried = digestKey(auditTableName, p0);
    const changed = digestKey(auditTableName, p0 + periodMs);
    const { versioned, options } = await withVersions(
      ({ Prefix }) => ({
        Versions: [retried, changed]
          .filter((key) => key.startsWith(String(Prefix)))
          .flatMap((key) => [
            { Key: key, VersionId: 'v1' },
            { Key: key, VersionId: 'v2' },
          ]),
      }),
      // The second version of `changed` holds other bytes; every other read is the real one.
      ({ Key, VersionId }) =>
        Key === changed && VersionId === 'v2' ? '{"forged":true}' : undefined,
    );
    const result = await verifyTrail(
      { ...options, now: clock.now },
      { sinceMs: p0, untilMs: p0 + 2 * periodMs - 1 },
    );
    const overwritten = result.findings.filter(({ kind }) => kind === 'overwritten_digest');
    expect(overwritten.map(({ id }) => id)).toEqual([changed]);
    versioned.destroy();
  });

  it('claims nothing before the first digest, and stops at a last digest it did not write', async () => {
    const before = await verify(p0 - 8 * periodMs, p0 - 4 * periodMs);
    expect(before.findings.filter(({ kind }) => kind === 'not_digested')).toEqual([]);

    // A file put under the prefix, named as the next digest would be, with no valid signature.
    const planted = digestKey(auditTableName, p0 + 2 * periodMs);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: planted, Body: '{}' }));
    await expect(writer()).rejects.toThrow(UntrustedLastDigestError);
    const stray = `digests/${auditTableName}/zzzz.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stray, Body: '{}' }));
    const result = await verify(p0, clock.now());
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'malformed_digest', id: stray }),
        expect.objectContaining({ kind: 'bad_signature', id: planted }),
      ]),
    );
  });
});

describe('seals, on records no digest covers yet', () => {
  // Well after the last digest: these periods are checked by their seals alone.
  const tS = p0 + 20 * periodMs;
  const changed = auditRecord({ providerId: 'shop', deliveryId: 'evt_s1', receivedAtMs: tS + 1 });
  const forgedErasure = accepted({
    providerId: 'shop',
    deliveryId: 'evt_s2',
    receivedAtMs: tS + 2,
  });
  const untouched = accepted({ providerId: 'shop', deliveryId: 'evt_s3', receivedAtMs: tS + 3 });
  const idOf = (record: AuditRecord) => `shop#${auditSortKey(record)}`;
  // The bucket's findings (the digests planted above, the writer stopped) are not these tests'.
  const sealFindings = (result: TrailVerification) =>
    result.findings.filter(({ id }) => id.startsWith('shop#'));

  beforeAll(async () => {
    await new AuditStore({
      dynamodb: test.dynamodb,
      tableName: auditTableName,
      sealer: test.sealer,
    }).writeAttempt(changed);
    for (const record of [forgedErasure, untouched]) {
      await writeAccepted(test.dynamodb, auditTableName, record);
    }
    clock.advance(tS + 10 * 60_000 - clock.now());
  });

  it('finds every seal valid before anything changes', async () => {
    const result = await verify(tS, clock.now());
    expect(sealFindings(result)).toEqual([]);
    expect(result).toMatchObject({ verified: 0, undigested: 3, sealsValid: 3 });
  });

  it('names a record changed or put in the table by hand before any digest covers it', async () => {
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: auditTableName,
        Key: {
          pk: { S: auditPartitionKey('shop', auditShardOf(changed.deliveryId)) },
          sk: { S: auditSortKey(changed) },
        },
        UpdateExpression: 'SET reason = :reason',
        ExpressionAttributeValues: { ':reason': { S: 'signature_mismatch_edited' } },
      }),
    );
    const inserted = auditRecord({
      providerId: 'shop',
      deliveryId: 'evt_s4',
      receivedAtMs: tS + 4,
    });
    await test.dynamodb.send(
      new PutItemCommand({ TableName: auditTableName, Item: toAuditItem(inserted) }),
    );
    const result = await verify(tS, clock.now());
    expect(sealFindings(result)).toEqual([
      {
        kind: 'altered',
        id: idOf(changed),
        detail: 'its seal does not match: a field erasure keeps differs from what was sealed',
      },
      {
        kind: 'unsealed',
        id: idOf(inserted),
        detail: 'it carries no seal: written without the seal key',
      },
    ]);
  });

  it('refuses an erasure whose receipt was not sealed by an operator, though the rest of the record is intact', async () => {
    // A receipt put by someone holding the ingest role's key rather than an operator's.
    const forger = new ErasureStore({
      dynamodb: test.dynamodb,
      tableName: auditTableName,
      sealer: test.sealer,
    });
    await forger.writeReceipt(
      erasureReceipt({
        receiptId: 'rcpt-forged',
        requestedAtMs: clock.now() - 1000,
        respondedAtMs: clock.now(),
        actor: 'local:intruder',
        request: { kind: 'delivery', deliveryId: forgedErasure.deliveryId },
      }),
    );
    // Then the personal fields removed as erasure would, with table access alone.
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: auditTableName,
        Key: deliveryKey('shop', forgedErasure.deliveryId),
        UpdateExpression:
          'SET erasedAtMs = :at, erasureReceiptId = :receipt REMOVE encryptedHeaders, subjectHash, sealPersonal, attempts[0].ip, attempts[0].ua, attempts[0].sp',
        ExpressionAttributeValues: {
          ':at': { N: String(clock.now() - 500) },
          ':receipt': { S: 'rcpt-forged' },
        },
      }),
    );
    const result = await verify(tS, clock.now());
    expect(sealFindings(result)).toContainEqual({
      kind: 'altered',
      id: idOf(forgedErasure),
      detail: expect.stringMatching(
        /^its personal fields are erased, but erasure receipt rcpt-forged is not one an operator sealed \(its seal key is not one KMS made for the operator writer/,
      ),
    });
    expect(sealFindings(result).map(({ id }) => id)).not.toContain(idOf(untouched));
  });

  it('names a record marked erased with table access alone, whatever receipt it names, and a seal key no KMS made', async () => {
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: auditTableName,
        Key: deliveryKey('shop', untouched.deliveryId),
        UpdateExpression:
          'SET erasedAtMs = :at, erasureReceiptId = :receipt REMOVE encryptedHeaders, subjectHash, sealPersonal, attempts[0].ip, attempts[0].ua, attempts[0].sp',
        // Long enough ago that a receipt would no longer be kept: none is looked for.
        ExpressionAttributeValues: { ':at': { N: '0' }, ':receipt': { S: 'rcpt-none' } },
      }),
    );
    const oversized = auditRecord({
      providerId: 'shop',
      deliveryId: 'evt_s6',
      receivedAtMs: tS + 6,
    });
    await new AuditStore({
      dynamodb: test.dynamodb,
      tableName: auditTableName,
      sealer: test.sealer,
    }).writeAttempt(oversized);
    await test.dynamodb.send(
      new UpdateItemCommand({
        TableName: auditTableName,
        Key: {
          pk: { S: auditPartitionKey('shop', auditShardOf(oversized.deliveryId)) },
          sk: { S: auditSortKey(oversized) },
        },
        UpdateExpression: 'SET sealKey = :key',
        ExpressionAttributeValues: { ':key': { B: Buffer.alloc(7000, 1) } },
      }),
    );
    const findings = sealFindings(await verify(tS, clock.now()));
    expect(findings).toContainEqual({
      kind: 'altered',
      id: idOf(untouched),
      detail: 'it is marked erased, but no operator sealed the erasure',
    });
    expect(findings).toContainEqual({
      kind: 'altered',
      id: idOf(oversized),
      detail: 'its seal key is 7000 bytes: no KMS blob',
    });
  });
});

/**
 * A digest store over a client whose version listing is `listing` (fauxqs keeps no versions:
 * this shows what Object Lock keeps when someone puts a new version or a delete marker over a
 * digest), reading a version as `versionBody` says, and passing everything else on.
 */
async function withVersions(
  listing: (input: { Prefix?: string }) => object,
  versionBody: (input: { Key?: string; VersionId?: string }) => string | undefined = () =>
    undefined,
) {
  const versioned = new S3Client({});
  const mock = mockClient(versioned);
  mock.on(ListObjectVersionsCommand).callsFake(listing);
  mock.on(GetObjectCommand).callsFake(async (input: { Key?: string; VersionId?: string }) => {
    const body = versionBody(input);
    if (body !== undefined) {
      return { Body: { transformToByteArray: async () => Buffer.from(body) } };
    }
    const { VersionId: _version, ...current } = input;
    return s3.send(new GetObjectCommand(current as typeof input & { Bucket: string; Key: string }));
  });
  for (const command of [ListObjectsV2Command, PutObjectCommand]) {
    mock
      .on(command as typeof PutObjectCommand)
      .callsFake((input) => s3.send(new (command as typeof PutObjectCommand)(input)));
  }
  const watched = new DigestStore({
    s3: versioned,
    kms: test.kms,
    bucket,
    signingKeyId: String((await store.publicKey()).keyArn),
  });
  const options = {
    dynamodb: test.dynamodb,
    auditTableName,
    registryTableName,
    store: watched,
    seals,
  };
  return { versioned, options };
}
