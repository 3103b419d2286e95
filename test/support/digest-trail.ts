/**
 * What the integrity tests set up on a local test stack: a bucket of their own for digests, a
 * signing key, the seal checker, and providers in the registry (only their ids are read).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DigestStore } from '../../ops/integrity/digest-store.ts';
import { SealChecker } from '../../ops/integrity/seal-check.ts';
import type { TestStack } from './stack.ts';

export interface DigestTrail {
  readonly s3: S3Client;
  readonly store: DigestStore;
  readonly seals: SealChecker;
  readonly auditTableName: string;
  readonly registryTableName: string;
}

export async function digestTrailOn(
  test: TestStack,
  bucket: string,
  providerIds: readonly string[],
): Promise<DigestTrail> {
  const auditTableName = test.stack.resources.tables.audit;
  const registryTableName = test.stack.resources.tables.registry;
  const s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { KeyMetadata } = await test.kms.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
  );
  const store = new DigestStore({
    s3,
    kms: test.kms,
    bucket,
    signingKeyId: String(KeyMetadata?.KeyId),
  });
  for (const providerId of providerIds) {
    await test.dynamodb.send(
      new PutItemCommand({ TableName: registryTableName, Item: { providerId: { S: providerId } } }),
    );
  }
  return {
    s3,
    store,
    seals: new SealChecker({ kms: test.kms }),
    auditTableName,
    registryTableName,
  };
}
