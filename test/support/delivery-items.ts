/**
 * Accepted deliveries written as the ingest path writes them: the claim's delivery item
 * (functions/audit/delivery-item.ts), then the payload copy beside it, for tests of what reads
 * or erases them.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import type { AuditRecord } from '../../functions/audit/record.ts';
import { localSealer } from './sealer.ts';

export interface WriteAcceptedOptions {
  /** @default 3600 */
  readonly dedupWindowSeconds?: number;
}

/** Claims `record`'s delivery (its item written, the send taken as done) and writes its copy. */
export async function writeAccepted(
  dynamodb: DynamoDBClient,
  tableName: string,
  record: AuditRecord,
  { dedupWindowSeconds = 3_600 }: WriteAcceptedOptions = {},
): Promise<void> {
  const claim = await new DeliveryClaims({ dynamodb, tableName, sealer: localSealer() }).claim(
    record,
    {
      sendingUntilMs: record.receivedAtMs,
      dedupUntilMs: record.receivedAtMs + dedupWindowSeconds * 1_000,
    },
  );
  if (claim.outcome !== 'claimed') {
    throw new Error(`delivery ${record.deliveryId} was not claimed: ${claim.outcome}`);
  }
  await new AuditStore({ dynamodb, tableName, sealer: localSealer() }).writePayloadCopy(record);
}
