/**
 * `webhooks audit verify` and `audit public-key` against the local stack, as an auditor uses
 * them: records digested by the digest function's writer with the stack's own bucket and
 * signing key, then checked by the CLI, and one digest checked offline with openssl and the
 * exported key. Records are stamped in 2099, so the digests' periods are chosen, not waited for.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { auditPartitionKey, auditShardOf, auditSortKey } from '../../functions/audit/record.ts';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { digestKey, signatureKey } from '../../ops/integrity/digest-document.ts';
import { DigestStore } from '../../ops/integrity/digest-store.ts';
import { writeDueDigests } from '../../ops/integrity/digest-writer.ts';
import { accepted, auditRecord } from '../support/audit-records.ts';
import { fixedClock } from '../support/clock.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, jsonLines } from './helpers.ts';

const { periodSeconds, settleSeconds } = auditDigests.local;
const periodMs = periodSeconds * 1000;
const p0 = Math.ceil(Date.parse('2099-05-01T08:00:00.000Z') / periodMs) * periodMs;
const range = [
  '--since',
  new Date(p0).toISOString(),
  '--until',
  new Date(p0 + periodMs - 1).toISOString(),
];

let admin: AdminStack;
let s3: S3Client;
const rejected = auditRecord({ providerId: 'shop', deliveryId: 'evt_r', receivedAtMs: p0 + 1_000 });

beforeAll(async () => {
  admin = await startAdminStack();
  const { audit, registry } = admin.stack.resources.tables;
  const digests = admin.stack.resources.digests;
  if (digests === undefined) throw new Error('the local stack made no digest bucket');
  s3 = new S3Client({});
  await admin.dynamodb.send(
    new PutItemCommand({ TableName: registry, Item: { providerId: { S: 'shop' } } }),
  );
  await new AuditStore({
    dynamodb: admin.dynamodb,
    tableName: audit,
    sealer: admin.sealer,
  }).writeAttempt(rejected);
  await writeAccepted(
    admin.dynamodb,
    audit,
    accepted({ providerId: 'shop', deliveryId: 'evt_a', receivedAtMs: p0 + 2_000 }),
  );
  const written = await writeDueDigests({
    dynamodb: admin.dynamodb,
    auditTableName: audit,
    registryTableName: registry,
    store: new DigestStore({ s3, kms: admin.kms, ...digests }),
    timing: auditDigests.local,
    now: fixedClock(p0 + periodMs + settleSeconds * 1000),
  });
  expect(written.map(({ records }) => records)).toEqual([2]);
}, startBudgetMs);

afterAll(async () => {
  s3?.destroy();
  await admin?.close();
});

describe('webhooks audit verify', () => {
  it('passes a trail that matches its digests, and records its own run', async () => {
    const { code, stdout, stderr } = await cli(['audit', 'verify', '--local', ...range]);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/digests {4}1 checked, 1 signatures valid, chain intact/);
    expect(stdout).toMatch(/records {4}2 verified, 0 redacted by an erasure, 0 expired/);
    expect(stdout).toMatch(/findings {3}0/);
    expect(code).toBe(0);

    const { stdout: trail } = await cli(['audit', 'list', '--admin', '--json', '--local']);
    expect(jsonLines(trail)).toContainEqual(
      expect.objectContaining({ action: 'audit.verify', target: '*' }),
    );
  });

  it('exits 1 naming a changed record; --provider keeps to that provider', async () => {
    await admin.dynamodb.send(
      new UpdateItemCommand({
        TableName: admin.stack.resources.tables.audit,
        Key: {
          pk: { S: auditPartitionKey('shop', auditShardOf(rejected.deliveryId)) },
          sk: { S: auditSortKey(rejected) },
        },
        UpdateExpression: 'SET sourceIp = :ip',
        ExpressionAttributeValues: { ':ip': { S: '198.51.100.7' } },
      }),
    );
    const { code, stdout } = await cli(['audit', 'verify', '--local', '--json', ...range]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).findings).toEqual([
      {
        kind: 'altered',
        id: `shop#${auditSortKey(rejected)}`,
        detail: 'its personal fields differ and it names no erasure',
      },
      {
        kind: 'altered',
        id: `shop#${auditSortKey(rejected)}`,
        detail: 'its seal does not match: its personal fields differ from what was sealed',
      },
    ]);
    const other = await cli(['audit', 'verify', '--local', '--provider', 'other', ...range]);
    expect(other.code).toBe(0);
  });

  it('exports a public key that openssl verifies a digest with, offline', async () => {
    const { code, stdout, stderr } = await cli(['audit', 'public-key', '--local']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(stderr).toMatch(/^signing key arn:aws:kms:/);

    const dir = mkdtempSync(join(tmpdir(), 'auditor-'));
    const key = digestKey(admin.stack.resources.tables.audit, p0);
    const bucket = String(admin.stack.resources.digests?.bucket);
    for (const [name, objectKey] of [
      ['digest.json', key],
      ['digest.json.sig', signatureKey(key)],
    ] as const) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
      writeFileSync(
        join(dir, name),
        await (object.Body?.transformToByteArray() ?? new Uint8Array()),
      );
    }
    writeFileSync(join(dir, 'digests.pem'), stdout);
    const openssl = spawnSync(
      'openssl',
      ['dgst', '-sha256', '-verify', 'digests.pem', '-signature', 'digest.json.sig', 'digest.json'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(openssl.stdout).toBe('Verified OK\n');
  });
});
