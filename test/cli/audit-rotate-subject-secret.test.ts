/**
 * `webhooks audit rotate-subject-secret` against the local stack, through the whole CLI, with
 * records the ingest path wrote before and after: new records are indexed under the new
 * version once a running function re-reads the secret, `audit erase --subject` still finds a
 * subject indexed under an older one, racing rotations lose no version, and every rotation
 * leaves an admin record.
 */
import { userInfo } from 'node:os';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSubjectSecret } from '../../cli/commands/audit/rotate-subject-secret.ts';
import { deliveryPartitionKey } from '../../functions/audit/delivery-item.ts';
import type { AuditItem } from '../../functions/audit/record.ts';
import { subjectIndexSecretId } from '../../functions/audit/subject-index-secret.ts';
import { subjectIndexVersionKeptMs } from '../../functions/audit/subject-index-versions.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { localSealer } from '../support/sealer.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';
import { cli, jsonLines, memoryIo } from './helpers.ts';

const secret = 'whsec_rotation_test_secret';
const ada = 'ada.rotation@example.com';
const grace = 'grace.rotation@example.com';
const localActor = `local:${userInfo().username}`;

let admin: AdminStack;

const auditTable = () => admin.stack.resources.tables.audit;

async function scan(table: string): Promise<AuditItem[]> {
  const { Items = [] } = await new DynamoDBClient({}).send(
    new ScanCommand({ TableName: table, ConsistentRead: true }),
  );
  return Items;
}

/** The subject hash a delivery's item holds (each id here is sent once, to `shop`). */
async function subjectHashOf(deliveryId: string): Promise<string | undefined> {
  const items = await scan(auditTable());
  const item = items.find((candidate) => candidate.pk?.S === deliveryPartitionKey(deliveryId));
  if (item === undefined) throw new Error(`no delivery item of ${deliveryId}`);
  return item.subjectHash?.S;
}

/** Posts a signed delivery about `customerEmail` through `ports`, as a running function would. */
async function deliver(ports: IngestPorts, id: string, customerEmail: string) {
  const body = JSON.stringify({
    id,
    type: 'checkout.session.completed',
    data: { object: { customer_email: customerEmail } },
  });
  const result = await ingest(readHttpEvent(stripeDelivery('shop', secret, body)), ports, Date.now);
  expect(result.response.statusCode).toBe(202);
}

async function rotations() {
  const trail = new AdminTrailStore({
    dynamodb: new DynamoDBClient({}),
    tableName: auditTable(),
    sealer: localSealer('operator'),
  });
  const { records } = await trail.listAdminActions({
    sinceMs: 0,
    untilMs: Date.now(),
    limit: 1_000,
  });
  return records.filter((record) => record.action === 'audit.rotate-subject-secret');
}

async function rotate(nowMs?: number) {
  const { io, output } = memoryIo();
  const code = await rotateSubjectSecret(
    { local: true, json: true },
    io,
    nowMs === undefined ? {} : { now: () => nowMs },
  );
  return {
    code,
    ...output,
    rotation: output.stdout === '' ? undefined : jsonLines(output.stdout)[0],
  };
}

/** The versions the registry item holds, newest first. */
async function heldVersions(): Promise<number[]> {
  const item = (await scan(admin.stack.resources.tables.registry)).find(
    (candidate) => candidate.providerId?.S === subjectIndexSecretId,
  );
  return [item?.version?.N ?? '1', ...(item?.previous?.L ?? []).map(({ M }) => M?.version?.N)].map(
    Number,
  );
}

beforeAll(async () => {
  admin = await startAdminStack();
  const added = await cli(
    [
      'providers',
      'add',
      'shop',
      '--scheme',
      'stripe',
      '--secret-stdin',
      '--subject-key',
      'data.object.customer_email',
      '--local',
    ],
    secret,
  );
  expect(added).toMatchObject({ code: 0, stderr: '' });
}, startBudgetMs);

afterAll(() => admin?.close());

describe('webhooks audit rotate-subject-secret', () => {
  let running: IngestPorts;

  it('replaces the secret, keeps the one it replaced for erasure, and records the rotation', async () => {
    // A function running since before the rotation, and a record it indexed under v1.
    running = createIngestPorts();
    await deliver(running, 'evt_ada_before', ada);
    await deliver(running, 'evt_grace_before', grace);
    expect(await subjectHashOf('evt_ada_before')).toMatch(/^[0-9a-f]{64}$/);

    const { code, stderr, rotation } = await rotate();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const rotatedAt = (rotation?.current as { createdAt: string } | undefined)?.createdAt ?? '';
    expect(rotation).toEqual({
      current: { version: 2, createdAt: expect.stringMatching(/Z$/) },
      kept: [
        {
          version: 1,
          createdAt: expect.stringMatching(/Z$/),
          retiredAt: rotatedAt,
          keptUntil: new Date(Date.parse(rotatedAt) + subjectIndexVersionKeptMs).toISOString(),
        },
      ],
      dropped: [],
    });
    expect(await heldVersions()).toEqual([2, 1]);
    const [record] = await rotations();
    expect(record).toMatchObject({
      actor: localActor,
      target: 'subject-index-secret',
      outcome: 'succeeded',
      detail: {
        keyVersion: '2',
        subjectIndexVersions: 'v2,v1',
        subjectIndexVersionsDropped: 'none',
      },
    });
  });

  it('indexes new records under the new version once a function re-reads the secret', async () => {
    // Within its cache time the running function still hashes with v1: erasure finds that too.
    await deliver(running, 'evt_ada_cached', ada);
    expect(await subjectHashOf('evt_ada_cached')).toBe(await subjectHashOf('evt_ada_before'));
    // A function that reads the secret now (a new container, or after the cache time).
    await deliver(createIngestPorts(), 'evt_ada_after', ada);
    const after = await subjectHashOf('evt_ada_after');
    expect(after).toMatch(/^v2:[0-9a-f]{64}$/);
    expect(after?.slice(3)).not.toBe(await subjectHashOf('evt_ada_before'));
  });

  it('erases a subject indexed under the old version and under the new one, and no one else', async () => {
    const newHash = await subjectHashOf('evt_ada_after');
    const graceHash = await subjectHashOf('evt_grace_before');
    const erased = await cli(
      ['audit', 'erase', '--provider', 'shop', '--subject-stdin', '--json', '--local'],
      ada,
    );
    expect({ code: erased.code, stderr: erased.stderr }).toEqual({ code: 0, stderr: '' });
    const [receipt] = jsonLines(erased.stdout);
    expect(receipt).toMatchObject({
      // The receipt names the subject by the current version's hash.
      request: { kind: 'subject', providerId: 'shop', subjectHash: newHash },
      response: 'erased',
      done: { recordsErased: 3 },
    });
    for (const id of ['evt_ada_before', 'evt_ada_cached', 'evt_ada_after']) {
      expect(await subjectHashOf(id)).toBeUndefined();
    }
    expect(await subjectHashOf('evt_grace_before')).toBe(graceHash);
    const trail = new AdminTrailStore({
      dynamodb: new DynamoDBClient({}),
      tableName: auditTable(),
      sealer: localSealer('operator'),
    });
    const { records } = await trail.listAdminActions({
      sinceMs: 0,
      untilMs: Date.now(),
      limit: 1_000,
    });
    const erasure = records.find((record) => record.action === 'audit.erase');
    expect(erasure?.detail).toMatchObject({ subjectIndexVersions: 'v2,v1', recordsErased: '3' });
    // A receipt's tagged hash is taken back, to apply the receipt again after a restore (here
    // nothing: an erased record leaves the index with its hash).
    const again = await cli([
      'audit',
      'erase',
      '--provider',
      'shop',
      '--subject-hash',
      newHash as string,
      '--dry-run',
      '--json',
      '--local',
    ]);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)[0]).toMatchObject({ dryRun: true, recordsToErase: 0 });
  });

  it('lets racing rotations lose no version: each is written or refused, and recorded', async () => {
    const before = await heldVersions();
    const results = await Promise.all([rotate(), rotate()]);
    const written = results.filter((result) => result.code === 0);
    const refused = results.filter((result) => result.code !== 0);
    expect(written.length).toBeGreaterThanOrEqual(1);
    for (const result of refused) {
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(
          /^error: the subject-index secret is no longer at v2: another rotation replaced it first; nothing was written/,
        ),
      });
    }
    const newest = (before[0] as number) + written.length;
    expect(await heldVersions()).toEqual([
      ...Array.from({ length: written.length }, (_, index) => newest - index),
      ...before,
    ]);
    const recorded = (await rotations()).slice(0, 2);
    expect(recorded.map((record) => record.outcome).sort()).toEqual(
      results.map((result) => (result.code === 0 ? 'succeeded' : 'failed')).sort(),
    );
    for (const record of recorded.filter((r) => r.outcome === 'failed')) {
      expect(record.reason).toBe('rotation_conflict');
    }
  });

  it('drops, at a later rotation, the versions retired before the longest retention', async () => {
    const before = await heldVersions();
    const { code, rotation } = await rotate(Date.now() + subjectIndexVersionKeptMs + 86_400_000);
    expect(code).toBe(0);
    expect(rotation).toMatchObject({
      current: { version: (before[0] as number) + 1 },
      kept: [{ version: before[0] }],
      dropped: before.slice(1),
    });
    expect(await heldVersions()).toEqual([(before[0] as number) + 1, before[0]]);
  });

  it('prints the versions as text', async () => {
    const { code, stdout } = await cli(['audit', 'rotate-subject-secret', '--local']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^current\s+v\d+, created \S+Z: new records are indexed under it once running functions re-read the secret \(within 300 s\)$/m,
    );
    expect(stdout).toMatch(
      /^kept\s+v\d+, retired \S+Z, until \S+Z: erasure still looks subjects up under it$/m,
    );
    expect(stdout).toMatch(/^dropped\s+none$/m);
  });
});
