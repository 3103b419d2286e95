/**
 * The handler's first call beside the baseline's, on the same DynamoDB Local table: the claim's
 * UpdateItem as the handler sent it (a fresh key each time), the item it leaves written as a plain
 * PutItem, and the baseline's PutItem. It shows how much of the handler's first round trip is the
 * stand-in's price for an update expression rather than the item or the code around the call.
 */

import { performance } from 'node:perf_hooks';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { boundedClientConfig } from '../../functions/aws/clients.ts';
import { fixedId } from '../cost/deliveries.ts';
import { baselineItem } from './bare-baseline.ts';

export const claimShapeNames = [
  'claim UpdateItem',
  'same item, PutItem',
  'baseline PutItem',
] as const;
export type ClaimShapeName = (typeof claimShapeNames)[number];

/** Wall times of each shape, in milliseconds, taking turns in batches of `batch`. */
export async function measureClaimAlone(
  claim: UpdateItemCommandInput,
  { writes, batch }: { readonly writes: number; readonly batch: number },
): Promise<Record<ClaimShapeName, number[]>> {
  const dynamodb = new DynamoDBClient(boundedClientConfig());
  try {
    const written = await dynamodb.send(
      new GetItemCommand({ TableName: claim.TableName, Key: claim.Key, ConsistentRead: true }),
    );
    if (written.Item === undefined)
      throw new Error('the claimed delivery item is not in the table');
    const item = written.Item;
    const key = (prefix: string, n: number) => ({ S: fixedId(prefix, n, 24) });
    const shapes: Record<ClaimShapeName, (n: number) => Promise<unknown>> = {
      'claim UpdateItem': (n) =>
        dynamodb.send(
          new UpdateItemCommand({ ...claim, Key: { ...claim.Key, pk: key('d#claim-', n) } }),
        ),
      'same item, PutItem': (n) =>
        dynamodb.send(
          new PutItemCommand({
            TableName: claim.TableName,
            Item: { ...item, pk: key('d#put-', n) },
          }),
        ),
      'baseline PutItem': (n) =>
        dynamodb.send(
          new PutItemCommand({ TableName: claim.TableName, Item: baselineItem(1_000_000 + n) }),
        ),
    };
    const times: Record<ClaimShapeName, number[]> = {
      'claim UpdateItem': [],
      'same item, PutItem': [],
      'baseline PutItem': [],
    };
    for (let done = 0; done < writes; done += batch) {
      const order = (done / batch) % 2 === 0 ? claimShapeNames : [...claimShapeNames].reverse();
      for (const name of order) {
        for (let n = done; n < Math.min(done + batch, writes); n++) {
          const start = performance.now();
          await shapes[name](n);
          times[name].push(performance.now() - start);
        }
      }
    }
    return times;
  } finally {
    dynamodb.destroy();
  }
}
