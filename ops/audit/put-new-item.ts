/**
 * The one write the audit trail allows for a new item: a PutItem conditional on its key being
 * new, so that no audit record, admin record or erasure receipt is ever overwritten.
 */
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AuditItem } from '../../functions/audit/record.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';

/** Throws DependencyUnavailableError (with the SDK error as cause) when the write fails. */
export async function putNewItem(
  dynamodb: DynamoDBClient,
  tableName: string,
  item: AuditItem,
): Promise<void> {
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    throw dynamodbUnavailable('PutItem', error);
  }
}
