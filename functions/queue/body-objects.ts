/**
 * The S3 adapter of the payload bucket: keeps a body too large for its queue message under a
 * key derived from the delivery (deduplication.ts), and reads it back for a consumer. SDK
 * failures become domain errors here. The bucket encrypts every object with the queue key
 * (SSE-KMS, its default encryption), so no key is named in a request. The client is injected,
 * so its endpoint comes from the SDK's own settings (`AWS_ENDPOINT_URL_S3` locally).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DependencyUnavailableError, describeFailure } from '../aws/errors.ts';
import { bodyObjectKey } from './deduplication.ts';
import { type BodyObject, bodySha256 } from './envelope.ts';
import { BodyObjectMissingError } from './errors.ts';

export interface BodyObjectsProps {
  /** Created once per container and shared. */
  readonly s3: S3Client;
  /** The payload bucket (`payloadBucket.nameVariable`). */
  readonly bucketName: string;
}

/**
 * Writes bodies to the payload bucket.
 * @example
 * const bodies = new BodyObjects({ s3: new S3Client({}), bucketName });
 * const object = await bodies.put('acme', 'evt_1', body);
 */
export class BodyObjects {
  readonly #s3: S3Client;
  readonly #bucketName: string;

  constructor(props: BodyObjectsProps) {
    this.#s3 = props.s3;
    this.#bucketName = props.bucketName;
  }

  /**
   * Writes one delivery's body and says where it is. S3 checks the SHA-256 sent with it, so
   * the object holds exactly these bytes or the write fails. A retry of the same bytes writes
   * the same key again.
   * @throws DependencyUnavailableError when S3 fails or cannot be reached (503, retried).
   */
  async put(providerId: string, deliveryId: string, body: Uint8Array): Promise<BodyObject> {
    const sha256 = bodySha256(body);
    const object: BodyObject = {
      bucket: this.#bucketName,
      key: bodyObjectKey(providerId, deliveryId, sha256),
      sizeBytes: body.byteLength,
      sha256,
    };
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: object.bucket,
          Key: object.key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
      );
    } catch (error) {
      throw new DependencyUnavailableError('s3', 'PutObject', describeFailure(error), {
        cause: error,
      });
    }
    return object;
  }
}

/**
 * The bytes of a body object, for a consumer (see `openEnvelope`, which checks them against
 * the message). The caller needs s3:GetObject on the bucket and kms:Decrypt on the queue key.
 * @throws BodyObjectMissingError when the object is gone (expired, or erased).
 * @throws DependencyUnavailableError for any other failure.
 */
export async function getBodyObject(s3: S3Client, object: BodyObject): Promise<Buffer> {
  try {
    const { Body } = await s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
    );
    if (Body === undefined) throw new BodyObjectMissingError(object);
    return Buffer.from(await Body.transformToByteArray());
  } catch (error) {
    if (error instanceof BodyObjectMissingError) throw error;
    if (error instanceof Error && error.name === 'NoSuchKey') {
      throw new BodyObjectMissingError(object, { cause: error });
    }
    throw new DependencyUnavailableError('s3', 'GetObject', describeFailure(error), {
      cause: error,
    });
  }
}
