/**
 * The subject-index secret's current version and its creation, as the periodic review reads
 * them (subject-index-cryptoperiod.ts): never decrypted, only the dates its registry item
 * holds (functions/audit/subject-index-versions.ts).
 *
 * Read by a Scan filtered to its reserved id rather than a GetItem: the self-audit's role reads
 * the registry by Scan alone (infra/self-audit.ts `ListProviders`), as it lists the providers,
 * and the registry holds one small item per provider, so the Scan reads little.
 */
import { type DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { subjectIndexSecretId } from '../../functions/audit/subject-index-secret.ts';
import { versionsOfItem } from '../../functions/audit/subject-index-versions.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import type { SubjectIndexSecretAge } from './subject-index-cryptoperiod.ts';

export interface SubjectIndexAgeOptions {
  readonly dynamodb: DynamoDBClient;
  /** The registry table's name. */
  readonly tableName: string;
}

/**
 * The current version's number and creation; undefined when the deployment has no secret.
 * Throws DependencyUnavailableError (`dynamodb Scan`) when the Scan fails,
 * SubjectIndexItemMalformedError when the item cannot be read.
 */
export async function readSubjectIndexAge({
  dynamodb,
  tableName,
}: SubjectIndexAgeOptions): Promise<SubjectIndexSecretAge | undefined> {
  let startKey: ScanCommandOutput['LastEvaluatedKey'];
  do {
    let page: ScanCommandOutput;
    try {
      page = await dynamodb.send(
        new ScanCommand({
          TableName: tableName,
          ConsistentRead: true,
          FilterExpression: 'providerId = :id',
          ExpressionAttributeValues: { ':id': { S: subjectIndexSecretId } },
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
    } catch (error) {
      throw dynamodbUnavailable('Scan', error);
    }
    // Checked here too: the filter is the table's, and a stand-in may not apply it.
    const item = page.Items?.find((candidate) => candidate.providerId?.S === subjectIndexSecretId);
    if (item !== undefined) {
      const versions = versionsOfItem(item);
      return versions === undefined
        ? undefined
        : { version: versions.current.version, createdAtMs: versions.current.createdAtMs };
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return undefined;
}
