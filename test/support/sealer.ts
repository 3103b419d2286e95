/**
 * A sealer against whichever local stack the environment's endpoints name, for tests that make
 * their clients from the environment rather than from a `TestStack` (which has its own).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { createSealer, type Sealer, type SealWriter } from '../../functions/audit/record-seal.ts';
import { kmsKeys } from '../../functions/config/keys.ts';

export function localSealer(writer: SealWriter = 'ingest'): Sealer {
  return createSealer({ kms: new KMSClient({}), keyId: kmsKeys.audit.alias, writer });
}
