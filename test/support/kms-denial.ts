/**
 * KMS denying Decrypt to the CLI, for the tests of how a command names a missing permission.
 * The command still seals its admin record (functions/audit/record-seal.ts): the mock, which
 * stands in for every KMS client, answers GenerateDataKey with a key of its own.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

export function denyKmsDecrypt() {
  const kms = mockClient(KMSClient);
  kms
    .on(DecryptCommand)
    .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
  kms.on(GenerateDataKeyCommand).callsFake(() => ({
    Plaintext: randomBytes(32),
    CiphertextBlob: randomBytes(64),
  }));
  return kms;
}
