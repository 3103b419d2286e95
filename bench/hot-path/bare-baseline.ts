/**
 * The floor the ingest handler's hot path is held against: one DynamoDB PutItem and one SQS
 * SendMessage, one after the other, with SDK clients built as the handler builds its own
 * (`boundedClientConfig`), and nothing else: no verification, no audit record, no encryption.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { boundedClientConfig } from '../../functions/aws/clients.ts';
import { fixedId } from '../cost/deliveries.ts';
import { itemBytes } from '../cost/dynamodb-units.ts';

/** The size of the item the baseline writes, as DynamoDB counts it: two write units. */
export const baselineItemBytes = 1536;

/** What the baseline sends to SQS: the envelope the handler sent, as its SendMessage carried it. */
export interface BaselineMessage {
  readonly queueUrl: string;
  readonly body: string;
  readonly groupId: string;
  /** @default - none */
  readonly attributes?: SendMessageCommandInput['MessageAttributes'];
}

export interface BareBaselineOptions {
  /** The table written to (the audit table, so the same DynamoDB Local table serves both). */
  readonly tableName: string;
  readonly message: BaselineMessage;
}

/** Item `n`: its own key, padded so that it is exactly `bytes` long as DynamoDB counts it. */
export function baselineItem(n: number, bytes: number = baselineItemBytes) {
  // Keys outside every index's key attributes, so that no index entry is written.
  const keys = { pk: { S: fixedId('baseline#', n, 24) }, sk: { S: 'baseline' } };
  const padding = bytes - itemBytes({ ...keys, padding: { S: '' } });
  if (padding < 0) throw new RangeError(`a baseline item needs at least ${bytes - padding} bytes`);
  return { ...keys, padding: { S: 'x'.repeat(padding) } };
}

/** The bare baseline: `deliver(n)` makes its two calls in sequence; `destroy()` closes the clients. */
export function bareBaseline({ tableName, message }: BareBaselineOptions) {
  const dynamodb = new DynamoDBClient(boundedClientConfig());
  const sqs = new SQSClient(boundedClientConfig());
  return {
    async deliver(n: number): Promise<void> {
      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: baselineItem(n) }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: message.queueUrl,
          MessageBody: message.body,
          ...(message.attributes === undefined ? {} : { MessageAttributes: message.attributes }),
          MessageGroupId: message.groupId,
          MessageDeduplicationId: fixedId('baseline-', n, 32),
        }),
      );
    },
    destroy(): void {
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}
