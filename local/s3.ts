/**
 * The payload bucket in the local stack: fauxqs serves S3 on the same loopback endpoint as
 * SQS (local/sqs.ts), so the stack points `AWS_ENDPOINT_URL_S3` there too. The SDK addresses a
 * bucket by path when the endpoint is an IP address, which 127.0.0.1 is. fauxqs keeps objects
 * in memory, applies no lifecycle rule and encrypts nothing; the bucket is gone when the stack
 * stops.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { payloadBucket } from '../functions/config/buckets.ts';

/**
 * Creates the payload bucket and answers its name. Exported for a fauxqs started again, which
 * keeps no buckets.
 */
export async function createPayloadBucket(client: S3Client): Promise<string> {
  // fauxqs answers an existing bucket of the same name as created, not as owned already.
  await client.send(new CreateBucketCommand({ Bucket: payloadBucket.localName }));
  return payloadBucket.localName;
}

/**
 * Creates the audit digests' bucket (ops/integrity/) and answers its name. fauxqs has no Object
 * Lock: locally the digests can be rewritten, and `webhooks audit verify --local` shows what
 * that looks like. They are gone when the stack stops, while a persisted audit table stays.
 */
export async function createDigestBucket(client: S3Client): Promise<string> {
  await client.send(new CreateBucketCommand({ Bucket: auditDigests.localBucketName }));
  return auditDigests.localBucketName;
}
