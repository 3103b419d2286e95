/**
 * The payload bucket's S3 adapter for erasure: the bodies a delivery left there (a claim check,
 * functions/queue/body-objects.ts), found under the delivery's prefix and deleted. A delivery
 * retried with the same bytes has one object; with other bytes under the same id, one each.
 * The bucket keeps no versions, so a deleted object leaves no copy in it.
 */
import { DeleteObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DependencyUnavailableError, describeFailure } from '../../functions/aws/errors.ts';
import { bodyObjectPrefix } from '../../functions/queue/deduplication.ts';

export interface BodyObjectErasureOptions {
  /** Created once per process. */
  readonly s3: S3Client;
  /** The payload bucket (the stack's `PayloadBucketName` output, or the local stack's). */
  readonly bucketName: string;
}

/**
 * Finds and deletes a delivery's body objects. The caller needs s3:ListBucket and
 * s3:DeleteObject on the bucket; no KMS permission, as nothing is read.
 * @example
 * const bodies = new BodyObjectErasure({ s3, bucketName });
 * const deleted = await bodies.deleteFor('shop', 'evt_1');
 */
export class BodyObjectErasure {
  readonly #s3: S3Client;
  readonly #bucketName: string;

  constructor(options: BodyObjectErasureOptions) {
    this.#s3 = options.s3;
    this.#bucketName = options.bucketName;
  }

  /** How many objects the delivery has in the bucket (for `--dry-run`). */
  async countFor(providerId: string, deliveryId: string): Promise<number> {
    return (await this.#keysOf(providerId, deliveryId)).length;
  }

  /** Deletes every object of the delivery and says how many there were. */
  async deleteFor(providerId: string, deliveryId: string): Promise<number> {
    const keys = await this.#keysOf(providerId, deliveryId);
    for (const key of keys) {
      try {
        await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucketName, Key: key }));
      } catch (error) {
        throw s3Unavailable('DeleteObject', error);
      }
    }
    return keys.length;
  }

  async #keysOf(providerId: string, deliveryId: string): Promise<string[]> {
    const keys: string[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.#s3 },
        { Bucket: this.#bucketName, Prefix: bodyObjectPrefix(providerId, deliveryId) },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
    } catch (error) {
      throw s3Unavailable('ListObjectsV2', error);
    }
    return keys;
  }
}

function s3Unavailable(operation: string, error: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError('s3', operation, describeFailure(error), { cause: error });
}
