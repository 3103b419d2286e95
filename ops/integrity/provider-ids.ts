/**
 * The providers whose delivery partitions a digest covers: every id in the registry, and every
 * id the admin trail shows removed since `sinceMs` (a removed provider's records stay in the
 * audit table; its later attempts are filed under `_unregistered`, which is always read).
 * The registry is read for its ids alone, never its keys' ciphertexts.
 */
import { type DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { AuditItem } from '../../functions/audit/record.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import { isProviderId } from '../../functions/registry/provider.ts';
import { adminPartitionKey } from '../admin-trail/admin-record.ts';
import { type PeriodReadOptions, readPartitionItems } from './period-reader.ts';

/**
 * The registry's providers, and those the admin trail shows removed since `sinceMs`: a removed
 * provider's records stay in the table under its own id.
 */
export async function coveredProviders(
  audit: PeriodReadOptions,
  registryTableName: string,
  sinceMs: number,
): Promise<Set<string>> {
  const now = audit.now ?? Date.now;
  const admin = await readPartitionItems(audit, adminPartitionKey, sinceMs, now() + 1);
  const registered = await registeredProviderIds(audit.dynamodb, registryTableName);
  return new Set([...registered, ...removedProviderIds(admin)]);
}

export async function registeredProviderIds(
  dynamodb: DynamoDBClient,
  registryTableName: string,
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: AuditItem | undefined;
  do {
    let page: ScanCommandOutput;
    try {
      page = await dynamodb.send(
        new ScanCommand({
          TableName: registryTableName,
          ProjectionExpression: 'providerId',
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
    } catch (error) {
      throw dynamodbUnavailable('Scan', error);
    }
    // Reserved ids (the subject-index secret) are not provider ids, so the check drops them.
    for (const item of page.Items ?? []) {
      const id = item.providerId?.S;
      if (id !== undefined && isProviderId(id)) ids.push(id);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return ids;
}

/** The targets of `provider.remove` among admin-partition items. */
export function removedProviderIds(adminItems: readonly AuditItem[]): string[] {
  return adminItems.flatMap((item) => {
    const target = item.target?.S;
    return item.action?.S === 'provider.remove' && target !== undefined && isProviderId(target)
      ? [target]
      : [];
  });
}
