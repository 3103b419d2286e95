/**
 * Ingest with a provider's subject key, against DynamoDB Local, the KMS stand-in and fauxqs:
 * the subject's value is indexed only as its keyed hash, on every record of the verified
 * delivery, and is never stored in clear.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubjectIndexSecretMissingError } from '../../functions/audit/errors.ts';
import { SubjectIndexSecret } from '../../functions/audit/subject-index-secret.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const secret = 'whsec_subject_index_test';
const alice = 'alice.subject@example.com';
const subjectKeyPath = 'data.object.customer_email';

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;
let subjects: SubjectIndexSecret;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, 'shop', secret, 'stripe', { subjectKeyPath });
  await registerProvider(stack, 'plain', secret);
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
  subjects = new SubjectIndexSecret({
    dynamodb: stack.dynamodb,
    kms: stack.kms,
    registryTableName: registryTable.localName,
    auditKeyId: kmsKeys.audit.alias,
  });
}, startBudgetMs);

afterAll(async () => {
  subjects?.clear();
  await stack?.close();
});

const post = (event: ApiGatewayEvent, using: IngestPorts = ports, laterMs = 0) =>
  ingest(readHttpEvent(event), using, () => Date.now() + laterMs);
const eventBody = (id: string, object: Record<string, unknown>) =>
  JSON.stringify({ id, type: 'checkout.session.completed', data: { object } });
const recordsOf = async (deliveryId: string) => (await audit.findByDeliveryId(deliveryId)).records;

/** Every item of both tables, binary attributes as text and base64, as one string. */
async function everythingStored(): Promise<string> {
  const items = [];
  for (const TableName of [auditTable.localName, registryTable.localName]) {
    const { Items = [] } = await stack.dynamodb.send(new ScanCommand({ TableName }));
    items.push(...Items);
  }
  return JSON.stringify(items, (_, value) =>
    value instanceof Uint8Array
      ? `${Buffer.from(value).toString('utf8')} ${Buffer.from(value).toString('base64')}`
      : value,
  );
}

describe('ingest with a subject key', () => {
  it('stores the keyed hash of the subject on the accepted record and its duplicates', async () => {
    const body = eventBody('evt_alice', { customer_email: alice, amount_total: 2000 });
    expect((await post(stripeDelivery('shop', secret, body))).response.statusCode).toBe(202);
    const retry = await post(stripeDelivery('shop', secret, body), ports, 10_000);
    expect(retry.response.statusCode).toBe(200);
    const expected = await subjects.hash('shop', alice);
    const records = await recordsOf('evt_alice');
    expect(records.map((record) => [record.outcome, record.subjectHash]).sort()).toEqual([
      ['accepted', expected],
      ['duplicate', expected],
    ]);
    // The payload copy is still kept (encrypted): erasure deletes it.
    expect(records.find((record) => record.outcome === 'accepted')?.encryptedPayload).toBeDefined();
  });

  it('never stores the value in clear, in either table', async () => {
    const stored = await everythingStored();
    expect(stored).toContain(await subjects.hash('shop', alice));
    expect(stored).not.toContain(alice);
    expect(stored).not.toContain(Buffer.from(alice).toString('base64'));
    expect(stored).not.toContain('alice.subject');
  });

  it("finds the subject's records through the bySubject index", async () => {
    const { Items = [] } = await stack.dynamodb.send(
      new QueryCommand({
        TableName: auditTable.localName,
        IndexName: 'bySubject',
        KeyConditionExpression: 'subjectHash = :hash',
        ExpressionAttributeValues: { ':hash': { S: await subjects.hash('shop', alice) } },
      }),
    );
    // One item: the delivery's, holding the accepted attempt and its repeat.
    expect(Items.map((item) => [item.pk?.S, item.sk?.S])).toEqual([['d#evt_alice', 'p#shop']]);
  });

  it('hashes a number as its text', async () => {
    const body = eventBody('evt_number', { customer_email: 31337 });
    await post(stripeDelivery('shop', secret, body));
    const [record] = await recordsOf('evt_number');
    expect(record?.subjectHash).toBe(await subjects.hash('shop', '31337'));
  });

  it('stores no hash when the body names no subject at the path', async () => {
    await post(stripeDelivery('shop', secret, eventBody('evt_anonymous', { amount_total: 5 })));
    const [record] = await recordsOf('evt_anonymous');
    expect(record?.outcome).toBe('accepted');
    expect(record?.subjectHash).toBeUndefined();
  });

  it('stores no hash for a rejected delivery: its body was not verified', async () => {
    const body = eventBody('evt_forged', { customer_email: alice });
    const event = stripeDelivery('shop', 'whsec_wrong', body);
    expect((await post(event)).response.statusCode).toBe(401);
    const [record] = await recordsOf(event.requestContext.requestId);
    expect(record?.outcome).toBe('rejected');
    expect(record?.subjectHash).toBeUndefined();
  });

  it('stores no hash for a provider without a subject key', async () => {
    await post(stripeDelivery('plain', secret, eventBody('evt_plain', { customer_email: alice })));
    const [record] = await recordsOf('evt_plain');
    expect(record?.outcome).toBe('accepted');
    expect(record?.subjectHash).toBeUndefined();
  });

  it('refuses to accept a delivery it could not index (500), rather than lose it to erasure', async () => {
    const { subjectIndex: _index, ...withoutIndex } = createIngestPorts();
    const body = eventBody('evt_unindexed', { customer_email: alice });
    await expect(post(stripeDelivery('shop', secret, body), withoutIndex)).rejects.toThrow(
      SubjectIndexSecretMissingError,
    );
    expect(await recordsOf('evt_unindexed')).toEqual([]);
    expect(await stack.drainQueue()).not.toContainEqual(expect.stringContaining('evt_unindexed'));
  });
});
