/**
 * The headers a provider's scheme reads a credential from, under its options, are never stored:
 * a `static` provider reading its token from X-Webhook-Key, and a generic `hmac` provider whose
 * signature header is X-Sig, neither name one the credential pattern knows. Nothing of them in
 * the audit trail (headers decrypted), accepted, refused near-miss or disabled provider alike.
 */
import { createHmac } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { decryptField } from '../../functions/audit/field-encryption.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const token = 'tok_live_4f9c2a7e1b3d5c8a';
const nearMiss = 'tok_live_4f9c2a7e1b3d5c8b';
const hmacSecret = 'hmac_secret_credential_headers';

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, 'keyed', token, 'static', {
    options: { mode: 'header', header: 'X-Webhook-Key' },
  });
  await registerProvider(stack, 'signed', hmacSecret, 'hmac', {
    options: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex' },
  });
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(() => stack?.close());

/** A delivery to `providerId` carrying `headers`, the body's id `id`. */
function delivery(
  providerId: string,
  id: string,
  headers: Record<string, string>,
): ApiGatewayEvent {
  const body = JSON.stringify({ id, type: 'thing.happened' });
  const event = stripeDelivery(providerId, 'unused', body);
  const { 'stripe-signature': _signature, ...rest } = event.headers ?? {};
  return { ...event, headers: { ...rest, ...headers } };
}

const post = (event: ApiGatewayEvent) => ingest(readHttpEvent(event), ports, Date.now);

/** Every header of every record of `deliveryId`, decrypted, as one text. */
async function storedHeaders(deliveryId: string): Promise<string> {
  const dataKeys = new DecryptedDataKeyCache({ kms: stack.kms });
  const { records } = await audit.findByDeliveryId(deliveryId);
  expect(records.length).toBeGreaterThan(0);
  const texts = await Promise.all(
    records.flatMap((record) =>
      record.encryptedHeaders === undefined
        ? []
        : [
            decryptField(
              dataKeys,
              { providerId: record.providerId, deliveryId, field: 'headers' },
              record.encryptedHeaders,
            ).then((plain) => plain.toString('utf8')),
          ],
    ),
  );
  return texts.join('\n');
}

describe('a credential in a header the provider configured', () => {
  it('static: the token of an accepted delivery is not stored, other headers are', async () => {
    const result = await post(delivery('keyed', 'evt_keyed_1', { 'x-webhook-key': token }));
    expect(result.response.statusCode).toBe(202);
    const stored = await storedHeaders(String(result.deliveryId));
    expect(stored).toContain('content-type');
    expect(stored.toLowerCase()).not.toContain('x-webhook-key');
    expect(stored).not.toContain(token);
  });

  it('static: nor the near-miss token of a refused attempt', async () => {
    const event = delivery('keyed', 'evt_keyed_2', { 'X-Webhook-Key': nearMiss });
    expect((await post(event)).response.statusCode).toBe(401);
    const stored = await storedHeaders(event.requestContext.requestId);
    expect(stored).not.toContain(nearMiss);
  });

  it('hmac: the signature in X-Sig is not stored', async () => {
    const body = JSON.stringify({ id: 'evt_signed_1', type: 'thing.happened' });
    const signature = createHmac('sha256', hmacSecret).update(body).digest('hex');
    const event = { ...delivery('signed', 'evt_signed_1', { 'x-sig': signature }), body };
    const result = await post(event);
    expect(result.response.statusCode).toBe(202);
    const stored = await storedHeaders(String(result.deliveryId));
    expect(stored).not.toContain(signature);
  });

  it('a disabled provider: its refused attempts do not store the token either', async () => {
    const registry = new ProviderRegistryStore({
      dynamodb: stack.dynamodb,
      tableName: 'webhook-ingestion-registry',
    });
    await registry.setEnabled('keyed', false);
    const fresh = createIngestPorts();
    const event = delivery('keyed', 'evt_keyed_3', { 'x-webhook-key': token });
    expect((await ingest(readHttpEvent(event), fresh, Date.now)).response.statusCode).toBe(401);
    const { Items = [] } = await stack.dynamodb.send(
      new ScanCommand({ TableName: auditTable.localName }),
    );
    expect(Items.length).toBeGreaterThan(0);
    const stored = await storedHeaders(event.requestContext.requestId);
    expect(stored).not.toContain(token);
  });
});
