/**
 * Each provider's last accepted delivery, read from the audit table's keys-only `byTime` index
 * (functions/config/tables.ts), where every delivery item (functions/audit/delivery-item.ts) is
 * listed under `listPk` `<providerId>#<shard>` and `listSk` `<ISO receivedAt>#…`: one Query per
 * shard, newest first, and the newest of the shards' answers. A delivery item is an accepted
 * delivery unless its claim was released after a failed send (`releasedAtMs`), which the keys-only
 * index cannot show: the newest entries' items are fetched (BatchGetItem) to skip those. The index is global, so not strongly consistent: a delivery accepted a moment ago
 * may not show yet, which for a count of idle days does not matter.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
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

/**
 * A claim released after a failed send stays in the index (delivery-item.ts `releasedAtMs`) but
 * is not an accepted delivery: the newest index entries are read in pages of this many, and
 * each page's items fetched to skip released ones.
 */
const pageSize = 5;

/** Pages read per shard before giving up on finding an unreleased item (released claims are rare). */
const maxPages = 4;

async function newestInShard(
  options: LastDeliveryOptions,
  providerId: string,
  shard: number,
): Promise<number | undefined> {
  let startKey: QueryCommandOutput['LastEvaluatedKey'];
  for (let page = 0; page < maxPages; page++) {
    const output = await queryNewest(options, providerId, shard, startKey);
    const items = output.Items ?? [];
    const released = await releasedKeys(options, items);
    for (const item of items) {
      if (released.has(keyOf(item))) continue;
      const listSk = item.listSk?.S;
      // The sort key starts with the accepted attempt's time (record.ts `auditSortKey`).
      const at = listSk === undefined ? Number.NaN : Date.parse(listSk.split('#')[0] ?? '');
      if (Number.isFinite(at)) return at;
    }
    startKey = output.LastEvaluatedKey;
    if (startKey === undefined) return undefined;
  }
  return undefined;
}

async function queryNewest(
  { dynamodb, tableName }: LastDeliveryOptions,
  providerId: string,
  shard: number,
  startKey: QueryCommandOutput['LastEvaluatedKey'],
): Promise<QueryCommandOutput> {
  try {
    return await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: byTime,
        KeyConditionExpression: 'listPk = :pk',
        ExpressionAttributeValues: { ':pk': { S: auditPartitionKey(providerId, shard) } },
        ScanIndexForward: false,
        Limit: pageSize,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
  } catch (error) {
    throw dynamodbUnavailable('Query', error);
  }
}

type Item = NonNullable<QueryCommandOutput['Items']>[number];

const keyOf = (item: Item) => `${item.pk?.S ?? ''}\u0000${item.sk?.S ?? ''}`;

/** The keys of `items` whose delivery item carries `releasedAtMs` (one BatchGetItem). */
async function releasedKeys(
  { dynamodb, tableName }: LastDeliveryOptions,
  items: readonly Item[],
): Promise<Set<string>> {
  const released = new Set<string>();
  let keys = items.flatMap((item) =>
    item.pk === undefined || item.sk === undefined ? [] : [{ pk: item.pk, sk: item.sk }],
  );
  // BatchGetItem may leave keys unprocessed under throttling: asked again, a bounded few times.
  for (let round = 0; keys.length > 0 && round < 5; round++) {
    let output: BatchGetItemCommandOutput;
    try {
      output = await dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: keys,
              ProjectionExpression: 'pk, sk, releasedAtMs',
            },
          },
        }),
      );
    } catch (error) {
      throw dynamodbUnavailable('BatchGetItem', error);
    }
    for (const item of output.Responses?.[tableName] ?? []) {
      if (item.releasedAtMs !== undefined) released.add(keyOf(item));
    }
    keys = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof keys;
  }
  if (keys.length > 0)
    throw dynamodbUnavailable('BatchGetItem', new Error('keys left unprocessed'));
  return released;
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
