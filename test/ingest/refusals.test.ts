/**
 * Every refused attempt is audited, within a budget per source address; where a provider's
 * retention class keeps one, an accepted delivery's record holds a redacted, encrypted copy of
 * its payload; a deployment's retention floor lengthens shorter classes. Against DynamoDB
 * Local, the KMS stand-in and fauxqs, through the handler's own wiring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { auditEncryptedFields, decryptField } from '../../functions/audit/field-encryption.ts';
import { decodePayloadCopy } from '../../functions/audit/payload-copy.ts';
import { auditExpiresAt, unregisteredProviderId } from '../../functions/audit/record.ts';
import { maxBodySizeBytes } from '../../functions/config/limits.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const secret = 'whsec_refusals_test_secret';

let stack: IngestStack;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, 'shop', secret, 'stripe', {
    retentionClass: 'standard',
    redaction: [
      { path: 'data.customer.email', action: 'mask' },
      { path: 'data.card', action: 'drop' },
    ],
  });
  await registerProvider(stack, 'lean', secret, 'stripe', { retentionClass: 'minimal' });
  await registerProvider(stack, 'paused', secret, 'stripe', { retentionClass: 'extended' });
  await new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: registryTable.localName,
  }).setEnabled('paused', false);
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

const withSource = (event: ReturnType<typeof stripeDelivery>, sourceIp: string) => ({
  ...event,
  requestContext: {
    ...event.requestContext,
    http: { ...event.requestContext.http, sourceIp },
  },
});

const recordsOf = async (requestId: string) => (await audit.findByDeliveryId(requestId)).records;

describe('refused attempts', () => {
  let ports: IngestPorts;
  const post = (event: ApiGatewayEvent, nowMs = Date.now()) =>
    ingest(readHttpEvent(event), ports, () => nowMs);

  beforeAll(() => {
    ports = createIngestPorts();
  });

  it('files an unknown provider id under the unregistered partition, with the id asked for', async () => {
    const event = withSource(stripeDelivery('nobody-here', secret, '{}'), '198.51.100.1');
    const { response, reason } = await post(event);
    expect(response.statusCode).toBe(401);
    expect(reason).toBe('provider_not_found');
    expect(await recordsOf(event.requestContext.requestId)).toMatchObject([
      {
        providerId: unregisteredProviderId,
        requestedProviderId: 'nobody-here',
        outcome: 'rejected',
        reason: 'provider_not_found',
        sourceIp: '198.51.100.1',
      },
    ]);
    const [record] = await recordsOf(event.requestContext.requestId);
    expect(record).not.toHaveProperty('scheme');
  });

  it('leaves out a requested id the record cannot hold, but still audits the attempt', async () => {
    const event = withSource(stripeDelivery('x', secret, '{}'), '198.51.100.2');
    const tooLong = 'a'.repeat(200);
    const { response } = await post({
      ...event,
      rawPath: `/v1/webhooks/${tooLong}`,
      pathParameters: { providerId: tooLong },
    });
    expect(response.statusCode).toBe(401);
    const [record] = await recordsOf(event.requestContext.requestId);
    expect(record?.providerId).toBe(unregisteredProviderId);
    expect(record).not.toHaveProperty('requestedProviderId');
  });

  it("audits a disabled provider's delivery under its own id and retention class", async () => {
    const event = withSource(stripeDelivery('paused', secret, '{"id":"evt_p"}'), '198.51.100.3');
    const { response, reason } = await post(event);
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('provider_disabled');
    expect(await recordsOf(event.requestContext.requestId)).toMatchObject([
      {
        providerId: 'paused',
        outcome: 'rejected',
        reason: 'provider_disabled',
        retentionClass: 'extended',
      },
    ]);
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('audits a body over the limit (413) and a wrong method (405) under the provider', async () => {
    const large = withSource(
      stripeDelivery('shop', secret, 'x'.repeat(maxBodySizeBytes + 1)),
      '198.51.100.4',
    );
    expect((await post(large)).response.statusCode).toBe(413);
    expect(await recordsOf(large.requestContext.requestId)).toMatchObject([
      { providerId: 'shop', scheme: 'stripe', outcome: 'rejected', reason: 'payload_too_large' },
    ]);

    const get = withSource(stripeDelivery('shop', secret, '{}'), '198.51.100.4');
    const wrongMethod = {
      ...get,
      requestContext: {
        ...get.requestContext,
        http: { ...get.requestContext.http, method: 'GET' },
      },
    };
    expect((await post(wrongMethod)).response.statusCode).toBe(405);
    expect(await recordsOf(get.requestContext.requestId)).toMatchObject([
      { outcome: 'rejected', reason: 'method_not_allowed' },
    ]);
  });
});

describe('a flood of refused attempts from one source', () => {
  it('writes the burst, counts the rest, and carries the count into the next record', async () => {
    const ports = {
      ...createIngestPorts(),
      rejections: new RejectionBudget({ burst: 3, perMinute: 1 }),
    };
    const startMs = Date.now();
    const forged = () => withSource(stripeDelivery('shop', 'whsec_forged', '{}'), '192.0.2.66');
    const attempts = [];
    for (let index = 0; index < 10; index += 1) {
      const event = forged();
      const result = await ingest(readHttpEvent(event), ports, () => startMs);
      expect(result.response.statusCode).toBe(401);
      attempts.push({ requestId: event.requestContext.requestId, result });
    }
    const written = [];
    for (const { requestId } of attempts) written.push(...(await recordsOf(requestId)));
    expect(written).toHaveLength(3);
    expect(attempts.slice(3).every(({ result }) => result.auditSuppressed === true)).toBe(true);

    // A minute later the source has a token again: one record stands for the seven not written.
    const next = forged();
    await ingest(readHttpEvent(next), ports, () => startMs + 60_000);
    expect(await recordsOf(next.requestContext.requestId)).toMatchObject([
      { outcome: 'rejected', reason: 'signature_mismatch', suppressedAttempts: 7 },
    ]);
  });

  it('does not hold back another source, nor verified deliveries from the same one', async () => {
    const ports = {
      ...createIngestPorts(),
      rejections: new RejectionBudget({ burst: 1, perMinute: 1 }),
    };
    const nowMs = Date.now();
    const run = (event: ApiGatewayEvent) => ingest(readHttpEvent(event), ports, () => nowMs);
    await run(withSource(stripeDelivery('shop', 'whsec_forged', '{}'), '192.0.2.77'));
    const suppressed = await run(
      withSource(stripeDelivery('shop', 'whsec_forged', '{}'), '192.0.2.77'),
    );
    expect(suppressed.auditSuppressed).toBe(true);

    const other = withSource(stripeDelivery('shop', 'whsec_forged', '{}'), '192.0.2.78');
    await run(other);
    expect(await recordsOf(other.requestContext.requestId)).toHaveLength(1);

    const body = JSON.stringify({ id: 'evt_flood_ok', type: 'ping', data: {} });
    const accepted = await run(withSource(stripeDelivery('shop', secret, body), '192.0.2.77'));
    expect(accepted.response.statusCode).toBe(202);
    expect((await audit.findByDeliveryId('evt_flood_ok')).records).toMatchObject([
      { outcome: 'accepted' },
    ]);
    await stack.drainQueue();
  });
});

describe('the payload copy', () => {
  const reader = () => new DecryptedDataKeyCache({ kms: stack.kms });

  it('keeps a redacted, encrypted copy where the retention class keeps payloads', async () => {
    const ports = createIngestPorts();
    const body = JSON.stringify({
      id: 'evt_copy',
      type: 'charge.succeeded',
      data: { customer: { email: 'ada@example.com', name: 'Ada' }, card: { last4: '4242' } },
    });
    const { response } = await ingest(
      readHttpEvent(stripeDelivery('shop', secret, body)),
      ports,
      Date.now,
    );
    expect(response.statusCode).toBe(202);
    const [record] = (await audit.findByDeliveryId('evt_copy')).records;
    expect(record?.encryptedPayload).toBeInstanceOf(Buffer);
    expect(record?.encryptedPayload?.includes('ada@example.com')).toBe(false);

    // Stored compressed, under a field name that says so: opened as plain text, it is refused.
    expect(record?.payloadEncoding).toBe('gzip');
    const binding = { providerId: 'shop', deliveryId: 'evt_copy' };
    await expect(
      decryptField(
        reader(),
        { ...binding, field: auditEncryptedFields.payload },
        record?.encryptedPayload as Buffer,
      ),
    ).rejects.toThrow();
    const compressed = await decryptField(
      reader(),
      { ...binding, field: auditEncryptedFields.payloadGzip },
      record?.encryptedPayload as Buffer,
    );
    const copy = decodePayloadCopy({ payloadEncoding: 'gzip' }, compressed);
    expect(JSON.parse(copy.toString('utf8'))).toEqual({
      id: 'evt_copy',
      type: 'charge.succeeded',
      data: { customer: { email: '[redacted]', name: 'Ada' } },
    });
    // The queue still carries the exact body: redaction is for the audit copy only.
    const [message] = await stack.drainQueue();
    expect(message).toContain('ada@example.com');
  });

  it('keeps no copy where the class keeps none, nor on a refused attempt', async () => {
    const ports = createIngestPorts();
    const body = JSON.stringify({ id: 'evt_lean', type: 'ping' });
    await ingest(readHttpEvent(stripeDelivery('lean', secret, body)), ports, Date.now);
    const [accepted] = (await audit.findByDeliveryId('evt_lean')).records;
    expect(accepted?.outcome).toBe('accepted');
    expect(accepted).not.toHaveProperty('encryptedPayload');

    const forged = stripeDelivery(
      'shop',
      'whsec_forged',
      JSON.stringify({ id: 'evt_forged_copy' }),
    );
    await ingest(readHttpEvent(forged), ports, Date.now);
    const [refused] = await recordsOf(forged.requestContext.requestId);
    expect(refused?.outcome).toBe('rejected');
    expect(refused).not.toHaveProperty('encryptedPayload');
    await stack.drainQueue();
  });
});

describe("the deployment's payload-copy ceiling", () => {
  it('keeps no copy where the ceiling keeps less than the provider class would', async () => {
    const ports = { ...createIngestPorts(), payloadCopyCeiling: 'minimal' as const };
    const body = JSON.stringify({ id: 'evt_ceiling', type: 'ping', data: {} });
    expect(
      (await ingest(readHttpEvent(stripeDelivery('shop', secret, body)), ports, Date.now)).response
        .statusCode,
    ).toBe(202);
    const [record] = (await audit.findByDeliveryId('evt_ceiling')).records;
    expect(record?.outcome).toBe('accepted');
    expect(record).not.toHaveProperty('encryptedPayload');
    await stack.drainQueue();
  });
});

describe("the deployment's retention floor", () => {
  it('lengthens a shorter class, and leaves a longer one as it is', async () => {
    const ports = { ...createIngestPorts(), retentionFloor: 'standard' as const };
    const leanBody = JSON.stringify({ id: 'evt_floor_lean', type: 'ping' });
    await ingest(readHttpEvent(stripeDelivery('lean', secret, leanBody)), ports, Date.now);
    const [lean] = (await audit.findByDeliveryId('evt_floor_lean')).records;
    expect(lean?.retentionClass).toBe('standard');

    const paused = stripeDelivery('paused', secret, '{}');
    await ingest(readHttpEvent(paused), ports, Date.now);
    const [refused] = await recordsOf(paused.requestContext.requestId);
    expect(refused?.retentionClass).toBe('extended');
    expect(auditExpiresAt(refused as NonNullable<typeof refused>)).toBeGreaterThan(
      Math.floor(Date.now() / 1000) + 6 * 365 * 86_400,
    );
    await stack.drainQueue();
  });
});
