/**
 * The queue port of the ingest path: inline or through the payload bucket, the object written
 * before the message, and S3's failures as domain errors. The bucket is fauxqs's S3, as in the
 * local stack.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { maxBodySizeBytes, maxInlineBodyBytes } from '../../functions/config/limits.ts';
import { BodyObjects, getBodyObject } from '../../functions/queue/body-objects.ts';
import { DeliveryQueue } from '../../functions/queue/delivery-queue.ts';
import {
  type BodyObject,
  bodySha256,
  type EnvelopeInput,
  type QueueMessage,
} from '../../functions/queue/envelope.ts';
import { BodyObjectMissingError, BodyTooLargeError } from '../../functions/queue/errors.ts';
import { createPayloadBucket } from '../../local/s3.ts';
import { startSqsLocal } from '../../local/sqs.ts';
import { useSqsStandIn } from '../local/sqs-stand-in.ts';

const standIn = useSqsStandIn();
let s3: S3Client;
let bucketName: string;

beforeAll(async () => {
  vi.stubEnv('AWS_ENDPOINT_URL_S3', standIn.sqs.endpoint);
  s3 = new S3Client({});
  bucketName = await createPayloadBucket(s3);
});

afterAll(() => s3?.destroy());

function envelopeInput(body: Uint8Array): EnvelopeInput {
  return {
    deliveryId: 'evt_1',
    providerId: 'acme',
    scheme: 'stripe',
    receivedAtMs: Date.UTC(2025, 0, 2),
    headers: {},
    body,
  };
}

/** A queue over recording fakes: what was written and sent, in order. */
function recordingQueue(put: (body: Uint8Array) => Promise<BodyObject>) {
  const steps: string[] = [];
  const sent: QueueMessage[] = [];
  const queue = new DeliveryQueue({
    sender: {
      send: async (message) => {
        steps.push('send');
        sent.push(message);
        return { messageId: 'm-1' };
      },
    },
    bodies: {
      put: async (_providerId, _deliveryId, body) => {
        steps.push('put');
        return put(body);
      },
    },
  });
  return { queue, steps, sent };
}

const objectOf = (body: Uint8Array): BodyObject => ({
  bucket: 'b',
  key: 'k',
  sizeBytes: body.byteLength,
  sha256: bodySha256(body),
});

describe('DeliveryQueue', () => {
  it('sends a body that fits inside the message, writing nothing to the bucket', async () => {
    const { queue, steps, sent } = recordingQueue(async (body) => objectOf(body));
    await queue.send(envelopeInput(new Uint8Array(maxInlineBodyBytes)));
    expect(steps).toEqual(['send']);
    expect(JSON.parse(sent[0]?.body ?? '').bodyEncoding).not.toBe('s3');
  });

  it('writes a larger body to the bucket first, then sends the message pointing to it', async () => {
    const { queue, steps, sent } = recordingQueue(async (body) => objectOf(body));
    const body = new Uint8Array(maxInlineBodyBytes + 1);
    await queue.send(envelopeInput(body));
    expect(steps).toEqual(['put', 'send']);
    expect(JSON.parse(sent[0]?.body ?? '')).toMatchObject({
      bodyEncoding: 's3',
      bodyObject: objectOf(body),
    });
  });

  it('sends nothing when the bucket fails', async () => {
    const down = new DependencyUnavailableError('s3', 'PutObject', 'down');
    const { queue, steps } = recordingQueue(() => Promise.reject(down));
    await expect(queue.send(envelopeInput(new Uint8Array(maxInlineBodyBytes + 1)))).rejects.toBe(
      down,
    );
    expect(steps).toEqual(['put']);
  });

  it('refuses a body over maxBodySizeBytes before writing or sending anything', async () => {
    const { queue, steps } = recordingQueue(async (body) => objectOf(body));
    await expect(queue.send(envelopeInput(new Uint8Array(maxBodySizeBytes + 1)))).rejects.toThrow(
      BodyTooLargeError,
    );
    expect(steps).toEqual([]);
  });
});

describe('BodyObjects against fauxqs', () => {
  it('writes a body under its delivery and reads back the exact bytes', async () => {
    const body = Buffer.from('a body too large for its message, in miniature');
    const object = await new BodyObjects({ s3, bucketName }).put('acme', 'evt_1', body);
    expect(object).toMatchObject({ bucket: bucketName, sizeBytes: body.byteLength });
    expect(object.key).toMatch(new RegExp(`^[0-9a-f]{64}/${bodySha256(body)}$`));
    expect(await getBodyObject(s3, object)).toEqual(body);
  });

  it('says a body object that is gone is gone', async () => {
    const gone = { bucket: bucketName, key: 'nothing/here', sizeBytes: 1, sha256: 'ab'.repeat(32) };
    await expect(getBodyObject(s3, gone)).rejects.toThrow(BodyObjectMissingError);
  });

  it('reports S3 out of reach as a dependency failure, 503 for the provider to retry', async () => {
    const stopped = await startSqsLocal();
    await stopped.stop();
    const unreachable = new S3Client({ endpoint: stopped.endpoint, maxAttempts: 1 });
    const failure = await new BodyObjects({ s3: unreachable, bucketName })
      .put('acme', 'evt_1', Buffer.from('x'))
      .catch((error: unknown) => error);
    unreachable.destroy();
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({ dependency: 's3', operation: 'PutObject' });
  });
});
