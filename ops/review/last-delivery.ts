/**
 * Each provider's last accepted delivery, read from the audit table's keys-only `byTime` index
 * (functions/config/tables.ts), where every delivery item (functions/audit/delivery-item.ts) is
 * listed under `listPk` `<providerId>#<shard>` and `listSk` `<ISO receivedAt>#…`: one Query per
 * shard, newest first, `Limit` 1, and the newest of the shards' answers. A delivery item is an
 * accepted delivery (its repeats, refusals and failures are records of their own, not in the
 * index). The index is global, so not strongly consistent: a delivery accepted a moment ago
 * may not show yet, which for a count of idle days does not matter.
 */
import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { auditPartitionKey } from '../../functions/audit/record.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import { auditShards, type auditTable } from '../../functions/config/tables.ts';

export interface LastDeliveryOptions {
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name. */
  readonly tableName: string;
}

type IndexName = (typeof auditTable.globalSecondaryIndexes)[number]['indexName'];

/** The index of delivery items by provider and time, named so that a new index cannot change it. */
const byTime: IndexName = 'byTime';

/** Queries in flight at once: 8 shards of 4 providers. */
const concurrentQueries = 32;

/**
 * Each provider's last accepted delivery (epoch ms), or undefined when it has had none. A
 * failed Query throws DependencyUnavailableError (`dynamodb Query`), its SDK error the cause.
 */
export async function lastAcceptedDeliveries(
  options: LastDeliveryOptions,
  providerIds: readonly string[],
): Promise<Map<string, number | undefined>> {
  const queries = providerIds.flatMap((providerId) =>
    Array.from({ length: auditShards }, (_, shard) => ({ providerId, shard })),
  );
  const newest = await mapBounded(queries, concurrentQueries, ({ providerId, shard }) =>
    newestInShard(options, providerId, shard),
  );
  const last = new Map<string, number | undefined>(providerIds.map((id) => [id, undefined]));
  queries.forEach(({ providerId }, index) => {
    const at = newest[index];
    const known = last.get(providerId);
    if (at !== undefined && (known === undefined || at > known)) last.set(providerId, at);
  });
  return last;
}

async function newestInShard(
  { dynamodb, tableName }: LastDeliveryOptions,
  providerId: string,
  shard: number,
): Promise<number | undefined> {
  let page: QueryCommandOutput;
  try {
    page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: byTime,
        KeyConditionExpression: 'listPk = :pk',
        ExpressionAttributeValues: { ':pk': { S: auditPartitionKey(providerId, shard) } },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
  } catch (error) {
    throw dynamodbUnavailable('Query', error);
  }
  const listSk = page.Items?.[0]?.listSk?.S;
  // The sort key starts with the accepted attempt's time (record.ts `auditSortKey`).
  const at = listSk === undefined ? Number.NaN : Date.parse(listSk.split('#')[0] ?? '');
  return Number.isFinite(at) ? at : undefined;
}

/** `map` over `items` with at most `limit` calls in flight; results in the items' order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
