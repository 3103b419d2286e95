/**
 * The digest function: run on a schedule (every `auditDigests.periodSeconds`), it writes the
 * audit trail's digests that are due (ops/integrity/digest-writer.ts) and logs one JSON line
 * naming them. A failure is thrown: the invocation fails, the function's error alarm fires,
 * and the next run catches up, since each run starts from the last digest written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { auditDigests, digestTimingFrom } from '../functions/config/audit-digests.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { DigestStore } from '../ops/integrity/digest-store.ts';
import { type WrittenDigest, writeDueDigests } from '../ops/integrity/digest-writer.ts';

/** Created once per container, from the standard AWS settings. */
const dynamodb = new DynamoDBClient({});
const store = new DigestStore({
  s3: new S3Client({}),
  kms: new KMSClient({}),
  bucket: required(auditDigests.bucketVariable),
  signingKeyId: required(auditDigests.signingKeyVariable),
});

/** The construct sets no override; the local stack runs minute-long periods. */
const timing = digestTimingFrom(process.env);

export async function handler(): Promise<{ readonly written: number }> {
  const written = await writeDigests();
  console.log(JSON.stringify({ message: 'audit digests written', digests: written }));
  return { written: written.length };
}

/** The digests due now, written; what `npm start` runs on its own schedule. */
export function writeDigests(): Promise<WrittenDigest[]> {
  return writeDueDigests({
    dynamodb,
    auditTableName: required(auditTable.nameVariable),
    registryTableName: required(registryTable.nameVariable),
    store,
    timing,
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the digest function needs ${name}`);
  return value;
}
