/**
 * Bodies up to the platform's limit, through the handler's own wiring against the local stack:
 * one that fits the message travels inside it; one just over `maxInlineBodyBytes` goes to the
 * payload bucket and the message points to it; one of exactly `maxBodySizeBytes` is accepted;
 * one byte more is refused 413, naming the limit.
 */
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadBucket } from '../../functions/config/buckets.ts';
import {
  maxBodySizeBytes,
  maxInlineBodyBytes,
  maxPayloadCopyBytes,
} from '../../functions/config/limits.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type ApiGatewayEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { getBodyObject } from '../../functions/queue/body-objects.ts';
import { bodyObjectKey } from '../../functions/queue/deduplication.ts';
import {
  type BodyObject,
  bodySha256,
  type Envelope,
  openEnvelope,
} from '../../functions/queue/envelope.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-large';
const secret = 'whsec_large_bodies';
/** A body of megabytes is hashed, signed, verified, stored and compared: allow for a busy machine. */
const largeBodyMs = 60_000;

let stack: IngestStack;
let ports: IngestPorts;
let s3: S3Client;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  ports = createIngestPorts();
  s3 = new S3Client({});
}, startBudgetMs);

afterAll(async () => {
  s3?.destroy();
  await stack?.close();
});

const post = (event: ApiGatewayEvent) => ingest(readHttpEvent(event), ports, Date.now);

/** A Stripe-like JSON event of exactly `sizeBytes` bytes, padded in a field of its own. */
function eventOfSize(id: string, sizeBytes: number): string {
  const frame = JSON.stringify({ id, type: 'invoice.paid', object: 'event', pad: '' });
  return frame.replace('"pad":""', `"pad":"${'x'.repeat(sizeBytes - frame.length)}"`);
}

/** A JSON event of `sizeBytes` whose padding is random base64: it hardly compresses. */
function randomEventOfSize(id: string, sizeBytes: number): string {
  const frame = JSON.stringify({ id, type: 'invoice.paid', object: 'event', pad: '' });
  const pad = randomBytes(sizeBytes)
    .toString('base64')
    .slice(0, sizeBytes - frame.length);
  return frame.replace('"pad":""', `"pad":"${pad}"`);
}

/** The only message on the queue, read as a consumer reads it: the body fetched from S3. */
async function consumeOne(): Promise<{ envelope: Envelope; fetched: BodyObject[] }> {
  const messages = await stack.drainQueue();
  expect(messages).toHaveLength(1);
  const fetched: BodyObject[] = [];
  const envelope = await openEnvelope(messages[0] as string, (object) => {
    fetched.push(object);
    return getBodyObject(s3, object);
  });
  return { envelope, fetched };
}

describe('bodies up to the platform limit', () => {
  it(
    'carries a body of exactly maxInlineBodyBytes inside the message',
    async () => {
      const body = eventOfSize('evt_inline_max', maxInlineBodyBytes);
      expect((await post(stripeDelivery(providerId, secret, body))).response.statusCode).toBe(202);
      const { envelope, fetched } = await consumeOne();
      expect(fetched).toEqual([]);
      expect(envelope.bodyEncoding).toBe('utf8');
      expect(bodySha256(envelope.body)).toBe(bodySha256(Buffer.from(body)));
    },
    largeBodyMs,
  );

  it(
    'keeps a body one byte over it in the payload bucket; the message points to the exact bytes',
    async () => {
      const body = Buffer.from(eventOfSize('evt_bucket_1', maxInlineBodyBytes + 1));
      const sha256 = bodySha256(body);
      const { response } = await post(stripeDelivery(providerId, secret, body.toString()));
      expect(response.statusCode).toBe(202);

      const { envelope, fetched } = await consumeOne();
      expect(fetched).toEqual([
        {
          bucket: payloadBucket.localName,
          key: bodyObjectKey(providerId, 'evt_bucket_1', sha256),
          sizeBytes: body.byteLength,
          sha256,
        },
      ]);
      expect(envelope).toMatchObject({
        deliveryId: 'evt_bucket_1',
        providerId,
        eventType: 'invoice.paid',
        bodyEncoding: 's3',
      });
      // The object itself, as S3 holds it: its length and digest are the message's.
      const stored = await getBodyObject(s3, fetched[0] as BodyObject);
      expect(stored.byteLength).toBe(body.byteLength);
      expect(bodySha256(stored)).toBe(sha256);
      expect(bodySha256(envelope.body)).toBe(sha256);
    },
    largeBodyMs,
  );

  it(
    'accepts a body of exactly maxBodySizeBytes, base64 encoded as the REST front passes it',
    async () => {
      const body = eventOfSize('evt_at_limit', maxBodySizeBytes);
      expect(Buffer.byteLength(body)).toBe(maxBodySizeBytes);
      const event = stripeDelivery(providerId, secret, body, {
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
      });
      const { response } = await post(event);
      expect(response.statusCode).toBe(202);
      const { envelope, fetched } = await consumeOne();
      expect(fetched).toHaveLength(1);
      expect(fetched[0]?.sizeBytes).toBe(maxBodySizeBytes);
      expect(bodySha256(envelope.body)).toBe(bodySha256(Buffer.from(body)));
    },
    largeBodyMs,
  );

  it(
    'keeps a payload copy while it fits maxPayloadCopyBytes compressed, and none once it does not (one DynamoDB item)',
    async () => {
      const reader = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
      const copyOf = async (deliveryId: string) => {
        const { records } = await reader.findByDeliveryId(deliveryId);
        expect(records.map((record) => record.outcome)).toEqual(['accepted']);
        return records[0]?.encryptedPayload;
      };
      // Repetitive text compresses far below the limit; random base64 to about three quarters,
      // so 600 KB of it stays over 384 KiB compressed.
      const bodies = [
        ['evt_copy_kept', eventOfSize('evt_copy_kept', maxPayloadCopyBytes + 1)],
        ['evt_copy_not_kept', randomEventOfSize('evt_copy_not_kept', 600_000)],
      ] as const;
      for (const [, body] of bodies) {
        const event = stripeDelivery(providerId, secret, body);
        expect((await post(event)).response.statusCode).toBe(202);
      }
      await stack.drainQueue();
      expect(await copyOf('evt_copy_kept')).toBeDefined();
      expect(await copyOf('evt_copy_not_kept')).toBeUndefined();
    },
    largeBodyMs,
  );

  it(
    'refuses a body one byte over it with 413 naming the limit, and queues nothing',
    async () => {
      const body = eventOfSize('evt_over_limit', maxBodySizeBytes + 1);
      const { response, outcome } = await post(stripeDelivery(providerId, secret, body));
      expect(outcome).toBe('too_large');
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(response.body)).toEqual({
        error: 'payload_too_large',
        maxBodyBytes: maxBodySizeBytes,
      });
      expect(await stack.drainQueue()).toEqual([]);
    },
    largeBodyMs,
  );
});
