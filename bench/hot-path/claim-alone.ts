/**
 * The handler's first call beside the baseline's, on the same DynamoDB Local table: the claim's
 * conditional PutItem as the handler sent it (a fresh key each time), the same item as a plain
 * PutItem without the condition, and the baseline's PutItem. It shows how much of the handler's
 * first round trip is the stand-in's price for the condition, how much for the item (larger than
 * the baseline's), and how much is the code around the call.
 */

import { performance } from 'node:perf_hooks';
import { DynamoDBClient, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { boundedClientConfig } from '../../functions/aws/clients.ts';
import { fixedId } from '../cost/deliveries.ts';
import { baselineItem } from './bare-baseline.ts';

export const claimShapeNames = [
  'claim PutItem, conditional',
  'same item, plain PutItem',
  'baseline PutItem',
] as const;
export type ClaimShapeName = (typeof claimShapeNames)[number];

/** Wall times of each shape, in milliseconds, taking turns in batches of `batch`. */
export async function measureClaimAlone(
  claim: PutItemCommandInput,
  { writes, batch }: { readonly writes: number; readonly batch: number },
): Promise<Record<ClaimShapeName, number[]>> {
  const item = claim.Item;
  if (item === undefined) throw new Error('the claim carried no item');
  const dynamodb = new DynamoDBClient(boundedClientConfig());
  try {
    const key = (prefix: string, n: number) => ({ S: fixedId(prefix, n, 24) });
    const shapes: Record<ClaimShapeName, (n: number) => Promise<unknown>> = {
      'claim PutItem, conditional': (n) =>
        dynamodb.send(new PutItemCommand({ ...claim, Item: { ...item, pk: key('d#claim-', n) } })),
      'same item, plain PutItem': (n) =>
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
      'claim PutItem, conditional': [],
      'same item, plain PutItem': [],
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
