/**
 * `webhooks audit erase` and `audit receipts` against the local stack, through the whole CLI,
 * on records the ingest path wrote: what is erased, what is kept, what is left alone, and the
 * receipt that says so.
 */
import { userInfo } from 'node:os';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasedField } from '../../cli/commands/audit/show.ts';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import {
  deliveryKey,
  deliveryPartitionKey,
  fromDeliveryItem,
} from '../../functions/audit/delivery-item.ts';
import { type AuditItem, payloadSortKey } from '../../functions/audit/record.ts';
import { sealKeyAttribute, sealKeyFingerprint } from '../../functions/audit/seal-attributes.ts';
import { maxInlineBodyBytes } from '../../functions/config/limits.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { bodyObjectPrefix } from '../../functions/queue/deduplication.ts';
import { adminPartitionKey } from '../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { erasurePartitionKey } from '../../ops/erasure/erasure-receipt.ts';
import { operatorErasureSeal } from '../support/audit-records.ts';
import { localSealer } from '../support/sealer.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';
import { cli, jsonLines } from './helpers.ts';

const secret = 'whsec_erase_test_secret';
const alice = 'alice.erasure@example.com';
const bob = 'bob.erasure@example.com';
const localActor = `local:${userInfo().username}`;
const startedAtMs = Date.now();
const rangeTimes = {
  r1: startedAtMs - 240_000,
  r2: startedAtMs - 120_000,
  r3: startedAtMs,
};

let admin: AdminStack;
let ports: IngestPorts;

const tableName = () => admin.stack.resources.tables.audit;
const keyOf = (item: AuditItem) => `${item.pk?.S} ${item.sk?.S}`;

/** Every item of a table as DynamoDB holds it. */
async function scan(table: string): Promise<AuditItem[]> {
  const { Items = [] } = await new DynamoDBClient({}).send(
    new ScanCommand({ TableName: table, ConsistentRead: true }),
  );
  return Items;
}

/** The delivery items, other records and payload copies, by key: no admin records or receipts. */
async function deliveryItems(): Promise<Map<string, AuditItem>> {
  const items = (await scan(tableName())).filter(
    (item) => item.pk?.S !== adminPartitionKey && item.pk?.S !== erasurePartitionKey,
  );
  return new Map(items.map((item) => [keyOf(item), item]));
}

/** The item of an accepted delivery (each id here is sent to one provider only). */
function itemOf(items: Map<string, AuditItem>, deliveryId: string): AuditItem {
  const item = [...items.values()].find(
    (candidate) => candidate.pk?.S === deliveryPartitionKey(deliveryId),
  );
  if (item === undefined) throw new Error(`no delivery item of ${deliveryId}`);
  return item;
}

/** Where a delivery item's payload copy is: under the keys its record would have. */
const copyKeyOf = (item: AuditItem) =>
  `${item.listPk?.S} ${payloadSortKey(String(item.listSk?.S))}`;

/** A repeat of an accepted delivery from another address, appended to its item as ingest does. */
async function repeatDelivery(providerId: string, deliveryId: string): Promise<void> {
  const dynamodb = new DynamoDBClient({});
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName(),
      Key: deliveryKey(providerId, deliveryId),
      ConsistentRead: true,
    }),
  );
  const [first] = fromDeliveryItem(Item ?? {});
  if (first === undefined) throw new Error(`no delivery item of ${deliveryId}`);
  const repeat = {
    ...first,
    requestId: `${first.requestId}-repeat`,
    // After its send's time, within the dedup window: a duplicate, answered 200.
    receivedAtMs: first.receivedAtMs + 60_000,
    sourceIp: '198.51.100.23',
    userAgent: 'Retry/1.0',
  };
  const times = { sendingUntilMs: first.receivedAtMs, dedupUntilMs: repeat.receivedAtMs + 1 };
  const claim = await new DeliveryClaims({
    dynamodb,
    tableName: tableName(),
    sealer: localSealer(),
  }).claim(repeat, times);
  expect(claim).toEqual({ outcome: 'duplicate', recorded: true });
}

/** Erased as a delivery item must be: no personal field anywhere, the marker set, no copy. */
function expectErasedItem(items: Map<string, AuditItem>, item: AuditItem, receiptId: string) {
  const erased = items.get(keyOf(item));
  expect(erased?.encryptedHeaders).toBeUndefined();
  expect(erased?.subjectHash).toBeUndefined();
  expect(erased?.attempts?.L).toHaveLength(item.attempts?.L?.length ?? -1);
  // The accepted attempt names the key blob the claim wrote into the item.
  expect(erased?.attempts?.L?.[0]?.M?.k?.S).toBeDefined();
  erased?.attempts?.L?.forEach((attempt, index) => {
    expect(attempt.M).not.toHaveProperty('ip');
    expect(attempt.M).not.toHaveProperty('ua');
    expect(attempt.M?.r?.S).toBeDefined();
    // The attempt's seal loses its personal MAC and keeps its key and fields MAC. The key is
    // the fingerprint of a blob the item holds, or, for a repeat sealed under a key the item
    // does not hold (repeatDelivery's own sealer), the blob itself (delivery-item.ts).
    expect(attempt.M).not.toHaveProperty('sp');
    const key = attempt.M?.k;
    expect(key).toEqual(item.attempts?.L?.[index]?.M?.k);
    if (key?.S !== undefined) {
      expect(erased?.[sealKeyAttribute(key.S)]?.B).toBeDefined();
    } else {
      expect(key?.B?.length).toBeGreaterThan(0);
      expect(erased).not.toHaveProperty(
        sealKeyAttribute(sealKeyFingerprint(key?.B ?? new Uint8Array())),
      );
    }
    expect(attempt.M?.s?.B).toBeDefined();
  });
  // So does the accepted record's.
  expect(erased?.sealPersonal).toBeUndefined();
  expect(erased?.[`sealKey_${erased?.sealKeyRef?.S}`]?.B).toBeDefined();
  expect(erased?.seal?.B).toBeDefined();
  expect(erased?.erasedAtMs?.N).toMatch(/^\d+$/);
  expect(erased?.erasureReceiptId).toEqual({ S: receiptId });
  expect(items.has(copyKeyOf(item))).toBe(false);
}

/** Posts a signed Stripe-style delivery through the ingest path, received at `atMs`. */
async function deliver(providerId: string, id: string, customerEmail?: string, atMs = Date.now()) {
  const body = JSON.stringify({
    id,
    type: 'checkout.session.completed',
    data: {
      object: { amount_total: 2000, ...(customerEmail ? { customer_email: customerEmail } : {}) },
    },
  });
  const result = await ingest(
    readHttpEvent(stripeDelivery(providerId, secret, body)),
    ports,
    () => atMs,
  );
  expect([200, 202]).toContain(result.response.statusCode);
}

async function erase(argv: readonly string[], stdin?: string) {
  const result = await cli(['audit', 'erase', ...argv, '--json', '--local'], stdin);
  return { ...result, receipt: result.stdout === '' ? undefined : jsonLines(result.stdout)[0] };
}

async function adminActionsOf(target: string) {
  const trail = new AdminTrailStore({
    dynamodb: new DynamoDBClient({}),
    tableName: tableName(),
    sealer: localSealer('operator'),
  });
  const { records } = await trail.listAdminActions({
    sinceMs: 0,
    untilMs: Date.now(),
    limit: 1_000,
  });
  return records.filter((record) => record.target === target && record.action === 'audit.erase');
}

/**
 * What erasure must remove, spelled out here rather than read from the code under test: the
 * personal fields, and the seal's MAC over them (`sealPersonal`).
 */
const personalFields = ['encryptedHeaders', 'sourceIp', 'userAgent', 'subjectHash', 'sealPersonal'];
/** And from each attempt a delivery item holds (`sp`: its seal's personal MAC). */
const attemptPersonalFields = ['ip', 'ua', 'sp'];

/** The item with only the erasure's changes: personal fields gone, the marker set. */
function erasedFrom(before: AuditItem, receiptId: string): AuditItem {
  const skeleton = Object.fromEntries(
    Object.entries(before).filter(([name]) => !personalFields.includes(name)),
  );
  const attempts = before.attempts?.L?.map(({ M = {} }) => ({
    M: Object.fromEntries(
      Object.entries(M).filter(([name]) => !attemptPersonalFields.includes(name)),
    ),
  }));
  return {
    ...skeleton,
    ...(attempts === undefined ? {} : { attempts: { L: attempts } }),
    erasedAtMs: { N: expect.stringMatching(/^\d+$/) },
    erasureReceiptId: { S: receiptId },
    ...operatorErasureSeal,
  } as AuditItem;
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
  const ranged = ['providers', 'add', 'ranged', '--scheme', 'stripe', '--secret-stdin', '--local'];
  expect((await cli(ranged, secret)).code).toBe(0);
  // The handler's own wiring, reading the names `npm start` puts in the environment.
  ports = createIngestPorts();
  await deliver('shop', 'evt_alice_1', alice);
  await repeatDelivery('shop', 'evt_alice_1');
  await deliver('shop', 'evt_alice_2', alice);
  await deliver('shop', 'evt_bob', bob);
  await deliver('shop', 'evt_carol', 'carol.erasure@example.com');
  for (const [id, atMs] of Object.entries(rangeTimes))
    await deliver('ranged', `evt_${id}`, undefined, atMs);
}, startBudgetMs);

afterAll(() => admin?.close());

describe('webhooks audit erase --delivery-id', () => {
  let receiptId: string;

  it('deletes the payload copy and the personal fields, keeps the skeleton with a marker, and nothing else changes', async () => {
    const before = await deliveryItems();
    const carol = itemOf(before, 'evt_carol');
    expect(carol.attempts?.L?.[0]?.M?.ip?.S).toBe('203.0.113.7');
    expect(carol.subjectHash?.S).toBeDefined();
    // Sealed by ingest, with the personal MACs that erasure must remove.
    expect(carol.sealPersonal?.B).toBeDefined();
    expect(carol.attempts?.L?.[0]?.M?.sp?.B).toBeDefined();
    const payloadKey = copyKeyOf(carol);
    expect(before.has(payloadKey)).toBe(true);

    const { code, stderr, receipt } = await erase([
      '--delivery-id',
      'evt_carol',
      '--request-ref',
      'T-1',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    receiptId = receipt?.receiptId as string;
    expect(receipt).toMatchObject({
      request: { kind: 'delivery', deliveryId: 'evt_carol' },
      response: 'erased',
      done: {
        recordsErased: 1,
        recordsAlreadyErased: 0,
        recordsNotFound: 0,
        payloadCopiesDeleted: 1,
      },
    });

    const after = await deliveryItems();
    expect(after.has(payloadKey)).toBe(false);
    expectErasedItem(after, carol, receiptId);
    expect(after.get(keyOf(carol))).toEqual(erasedFrom(carol, receiptId));
    for (const [key, item] of before) {
      if (key !== payloadKey && key !== keyOf(carol)) expect(after.get(key)).toEqual(item);
    }
  });

  it('shows the erased record as erased in `audit show` and `audit list`', async () => {
    const shown = await cli(['audit', 'show', 'evt_carol', '--json', '--local']);
    expect(shown.code).toBe(0);
    const [line] = jsonLines(shown.stdout);
    expect(line).toMatchObject({
      deliveryId: 'evt_carol',
      outcome: 'accepted',
      erasedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      erasureReceiptId: receiptId,
      headers: erasedField,
      bodySha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    for (const name of ['sourceIp', 'userAgent', 'subjectHash', 'payload']) {
      expect(line).not.toHaveProperty(name);
    }
    const text = await cli(['audit', 'show', 'evt_carol', '--local']);
    expect(text.stdout).toMatch(/^erasedAt\s+\S+Z$/m);
    expect(text.stdout).toMatch(/^headers\s+\[erased\]$/m);
    const listed = await cli(['audit', 'list', '--provider', 'shop', '--local']);
    expect(listed.stdout).toMatch(
      /accepted \(erased\)\s+-\s+checkout\.session\.completed\s+evt_carol$/m,
    );
  });

  it('changes nothing when asked again, and its receipt says the record was already erased', async () => {
    const before = await deliveryItems();
    const { code, receipt } = await erase(['--delivery-id', 'evt_carol']);
    expect(code).toBe(0);
    expect(receipt?.done).toEqual({
      recordsErased: 0,
      recordsAlreadyErased: 1,
      recordsNotFound: 0,
      payloadCopiesDeleted: 0,
      bodyObjectsDeleted: 0,
    });
    expect(await deliveryItems()).toEqual(before);
  });

  it('answers a delivery with no record: exit 1, and a receipt that says none was found', async () => {
    const { code, receipt } = await erase(['--delivery-id', 'evt_nowhere']);
    expect(code).toBe(1);
    expect(receipt).toMatchObject({ response: 'none_found', done: { recordsErased: 0 } });
  });
});

describe('webhooks audit erase --subject', () => {
  let receipt: Record<string, unknown> | undefined;
  let before: Map<string, AuditItem>;

  it("erases every record of the subject's deliveries, the duplicate too, and no one else's", async () => {
    before = await deliveryItems();
    const result = await erase(
      [
        '--provider',
        'shop',
        '--subject-stdin',
        '--requested-at',
        '2024-05-01',
        '--request-ref',
        'DSR-1042',
        '--request-channel',
        'e-mail',
      ],
      `${alice}\n`,
    );
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    receipt = result.receipt;
    const after = await deliveryItems();
    const aliceItems = [itemOf(before, 'evt_alice_1'), itemOf(before, 'evt_alice_2')];
    // The first delivery and its duplicate from another address, in one item.
    expect(aliceItems[0]?.attempts?.L?.map(({ M }) => M?.ip?.S)).toEqual([
      '203.0.113.7',
      '198.51.100.23',
    ]);
    expect(aliceItems[0]?.attempts?.L?.[1]?.M?.ua?.S).toBe('Retry/1.0');
    for (const item of aliceItems) {
      expectErasedItem(after, item, receipt?.receiptId as string);
      expect(after.get(keyOf(item))).toEqual(erasedFrom(item, receipt?.receiptId as string));
    }
    const bobItem = itemOf(before, 'evt_bob');
    expect(after.get(keyOf(bobItem))).toEqual(bobItem);
    expect(after.has(copyKeyOf(bobItem))).toBe(true);
  });

  it('writes a receipt with the dates, what was asked, what was done and the basis for keeping the skeletons', () => {
    expect(receipt).toEqual({
      receiptId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      requestedAt: '2024-05-01T00:00:00.000Z',
      respondedAt: expect.stringMatching(/Z$/),
      actor: localActor,
      requestRef: 'DSR-1042',
      requestChannel: 'e-mail',
      request: {
        kind: 'subject',
        providerId: 'shop',
        subjectHash: itemOf(before, 'evt_alice_2').subjectHash?.S,
      },
      response: 'erased',
      // One record per delivery item: the duplicate is kept in the first delivery's.
      done: {
        recordsErased: 2,
        recordsAlreadyErased: 0,
        recordsNotFound: 0,
        payloadCopiesDeleted: 2,
        bodyObjectsDeleted: 0,
      },
      retained: [
        {
          retentionClass: 'standard',
          records: 2,
          keptUntil: expect.stringMatching(/Z$/),
          basis: expect.stringMatching(/^PCI DSS v4\.0\.1 10\.5\.1.*GDPR Art\. 17\(3\)\(b\)/),
        },
      ],
      notReached: expect.arrayContaining([
        expect.stringMatching(/point-in-time recovery.*35 days/),
      ]),
    });
    expect(Date.parse(receipt?.respondedAt as string)).toBeGreaterThanOrEqual(startedAtMs);
  });

  it('leaves the subject value nowhere: not in the records, the receipt or the admin trail', async () => {
    const stored = JSON.stringify([
      ...(await scan(tableName())),
      ...(await scan(admin.stack.resources.tables.registry)),
    ]);
    expect(stored).toContain(receipt?.receiptId as string);
    expect(stored).not.toContain(alice);
    expect(stored).not.toContain('alice.erasure');
  });

  it('keeps the receipt 24 months in its own partition, and lists it with `audit receipts`', async () => {
    const items = (await scan(tableName())).filter((item) => item.pk?.S === erasurePartitionKey);
    const item = items.find((candidate) => candidate.receiptId?.S === receipt?.receiptId);
    const respondedAtSeconds = Math.floor(Date.parse(receipt?.respondedAt as string) / 1000);
    const days = retentionClasses['consumer-requests'].auditDays;
    expect(Number(item?.expiresAt?.N)).toBe(respondedAtSeconds + days * 86_400);
    expect(item?.deliveryId).toBeUndefined();
    expect(item?.subjectHash).toBeUndefined();

    const listed = await cli(['audit', 'receipts', '--json', '--local']);
    expect(listed.code).toBe(0);
    const receipts = jsonLines(listed.stdout);
    expect(receipts[0]).toEqual(receipt);
    expect(receipts.length).toBe(items.length);
    const table = await cli(['audit', 'receipts', '--local']);
    expect(table.stdout).toMatch(/^RESPONDED\s+RECEIPT\s+RESPONSE\s+ERASED\s+ASKED\s+REF$/m);
    expect(table.stdout).toMatch(/erased\s+2\s+records of shop about a data subject .*DSR-1042$/m);
  });

  it('records the erasure as an admin action, with the receipt and the counts', async () => {
    const [action] = await adminActionsOf('shop');
    expect(action).toMatchObject({
      actor: localActor,
      outcome: 'succeeded',
      detail: {
        selector: 'subject',
        // Looked up under every version of the subject-index secret held: one, never rotated.
        subjectIndexVersions: 'v1',
        records: '2',
        receiptId: receipt?.receiptId,
        recordsErased: '2',
        recordsAlreadyErased: '0',
        recordsNotFound: '0',
        payloadCopiesDeleted: '2',
        bodyObjectsDeleted: '0',
      },
    });
  });

  it('a dry run counts what would be erased and changes nothing, with no receipt', async () => {
    const items = await deliveryItems();
    const receiptsBefore = (await scan(tableName())).filter(
      (item) => item.pk?.S === erasurePartitionKey,
    );
    const result = await erase(['--provider', 'shop', '--subject', bob, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.receipt).toEqual({
      dryRun: true,
      request: {
        kind: 'subject',
        providerId: 'shop',
        subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      recordsToErase: 1,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopies: 1,
      bodyObjects: 0,
    });
    expect(await deliveryItems()).toEqual(items);
    const receiptsAfter = (await scan(tableName())).filter(
      (item) => item.pk?.S === erasurePartitionKey,
    );
    expect(receiptsAfter).toEqual(receiptsBefore);
  });

  it('counts the items already erased when asked again, and changes nothing', async () => {
    const items = await deliveryItems();
    const again = await erase(['--provider', 'shop', '--subject-stdin'], `${alice}\n`);
    // Erased items leave the subject index with their hash: nothing is selected any more.
    expect(again).toMatchObject({ code: 1, receipt: { response: 'none_found' } });
    const byId = await erase(['--delivery-id', 'evt_alice_1']);
    expect(byId.receipt?.done).toEqual({
      recordsErased: 0,
      recordsAlreadyErased: 1,
      recordsNotFound: 0,
      payloadCopiesDeleted: 0,
      bodyObjectsDeleted: 0,
    });
    expect(await deliveryItems()).toEqual(items);
  });
});

describe('webhooks audit erase --subject-hash', () => {
  it('erases by the hash a receipt names, as after a restore from a backup', async () => {
    const survey = await erase(['--provider', 'shop', '--subject', bob, '--dry-run']);
    const asked = survey.receipt?.request as { subjectHash?: string } | undefined;
    const subjectHash = String(asked?.subjectHash);
    const { code, receipt } = await erase(['--provider', 'shop', '--subject-hash', subjectHash]);
    expect(code).toBe(0);
    expect(receipt).toMatchObject({
      request: { kind: 'subject', providerId: 'shop', subjectHash },
      done: { recordsErased: 1, payloadCopiesDeleted: 1 },
    });
    const after = await deliveryItems();
    expectErasedItem(after, itemOf(after, 'evt_bob'), receipt?.receiptId as string);
  });
});

describe('webhooks audit erase --since --until', () => {
  it("erases a provider's records in the range, and none before or after it", async () => {
    const before = await deliveryItems();
    const range = [
      '--provider',
      'ranged',
      '--since',
      new Date(rangeTimes.r1 + 60_000).toISOString(),
      '--until',
      new Date(rangeTimes.r3 - 60_000).toISOString(),
    ];
    const { code, receipt } = await erase(range);
    expect(code).toBe(0);
    expect(receipt?.done).toMatchObject({ recordsErased: 1, payloadCopiesDeleted: 1 });
    const after = await deliveryItems();
    const r2 = itemOf(before, 'evt_r2');
    expectErasedItem(after, r2, receipt?.receiptId as string);
    expect(after.get(keyOf(r2))).toEqual(erasedFrom(r2, receipt?.receiptId as string));
    for (const id of ['evt_r1', 'evt_r3']) {
      const item = itemOf(before, id);
      expect(after.get(keyOf(item))).toEqual(item);
      expect(after.has(copyKeyOf(item))).toBe(true);
    }
    // The item is still listed in the range: asked again, it is counted already erased.
    const again = await erase(range);
    expect(again.receipt?.done).toEqual({
      recordsErased: 0,
      recordsAlreadyErased: 1,
      recordsNotFound: 0,
      payloadCopiesDeleted: 0,
      bodyObjectsDeleted: 0,
    });
    expect(await deliveryItems()).toEqual(after);
  });
});

describe('webhooks audit erase refuses', () => {
  it.each([
    ['no selector', []],
    ['two selectors', ['--delivery-id', 'evt_bob', '--provider', 'shop', '--since', '1d']],
    ['a subject without its provider', ['--subject', bob]],
    ['a range without its provider', ['--since', '1d']],
    ['a subject given twice', ['--provider', 'shop', '--subject', bob, '--subject-stdin']],
    ['a subject hash that is not one', ['--provider', 'shop', '--subject-hash', 'BOB']],
    [
      'a subject under the unregistered partition',
      ['--provider', '_unregistered', '--subject', bob],
    ],
    ['a request dated in the future', ['--delivery-id', 'evt_bob', '--requested-at', '2999-01-01']],
  ])('%s: exit 2, nothing done or recorded', async (_, argv) => {
    const before = await deliveryItems();
    const erasuresBefore = (await adminActionsOf('shop')).length;
    const { code, stderr } = await erase(argv, bob);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: /);
    expect(await deliveryItems()).toEqual(before);
    expect((await adminActionsOf('shop')).length).toBe(erasuresBefore);
  });
});

describe('webhooks providers --subject-key', () => {
  it("shows the provider's subject key", async () => {
    const shown = await cli(['providers', 'show', 'shop', '--json', '--local']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      subjectKeyPath: 'data.object.customer_email',
    });
  });

  it('refuses a path with a wildcard before anything is stored', async () => {
    const argv = ['providers', 'add', 'wild', '--scheme', 'stripe', '--secret-stdin'];
    const { code, stderr } = await cli(
      [...argv, '--subject-key', 'data.*.email', '--local'],
      secret,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/--subject-key 'data\.\*\.email'/);
  });
});

describe('webhooks audit erase, a body kept in the payload bucket', () => {
  /** The objects a delivery of `ranged` has in the local stack's payload bucket. */
  async function bodyObjects(deliveryId: string): Promise<number> {
    const s3 = new S3Client({});
    try {
      const { KeyCount = 0 } = await s3.send(
        new ListObjectsV2Command({
          Bucket: String(admin.stack.resources.payloadBucket),
          Prefix: bodyObjectPrefix('ranged', deliveryId),
        }),
      );
      return KeyCount;
    } finally {
      s3.destroy();
    }
  }

  it('deletes the body with the record, and the receipt counts it', async () => {
    const body = JSON.stringify({ id: 'evt_large', pad: 'x'.repeat(maxInlineBodyBytes) });
    const result = await ingest(
      readHttpEvent(stripeDelivery('ranged', secret, body)),
      ports,
      Date.now,
    );
    expect(result.response.statusCode).toBe(202);
    expect(await bodyObjects('evt_large')).toBe(1);

    const survey = await erase(['--delivery-id', 'evt_large', '--dry-run']);
    expect(survey.receipt).toMatchObject({ recordsToErase: 1, bodyObjects: 1 });
    const { code, receipt } = await erase(['--delivery-id', 'evt_large', '--provider', 'ranged']);
    expect(code).toBe(0);
    expect(receipt?.done).toMatchObject({ recordsErased: 1, bodyObjectsDeleted: 1 });
    expect(await bodyObjects('evt_large')).toBe(0);
  });
});
