/**
 * What `access-changes` reads: who the resource policies of the deployment's keys (KMS
 * GetKeyPolicy, the `default` policy) and of its tables (DynamoDB GetResourcePolicy, after
 * DescribeTable for the table's ARN) name, by resource. A table with no resource policy names
 * no one beyond its account's IAM policies (PolicyNotFoundException: an empty set).
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  GetResourcePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { GetKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type PrincipalSets, policyPrincipals } from '../../ops/review/access-changes.ts';
import { call } from './call.ts';

export interface AccessResources {
  /** Key ids (or ARNs; not aliases, which GetKeyPolicy refuses) by the key's name. */
  readonly keys: Readonly<Record<string, string>>;
  /** Table names by the table's name in functions/config (`audit`, `registry`). */
  readonly tables: Readonly<Record<string, string>>;
}

/** Each resource's principals, by `key <name> (<id>)` and `table <name> (<table>)`. */
export async function readPrincipalSets(
  clients: { readonly dynamodb: DynamoDBClient; readonly kms: KMSClient },
  resources: AccessResources,
): Promise<PrincipalSets> {
  const keys = Object.entries(resources.keys).map(async ([name, keyId]) => {
    const { Policy } = await call('kms:GetKeyPolicy', () =>
      clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })),
    );
    return [`key ${name} (${keyId})`, policyPrincipals(Policy)] as const;
  });
  const tables = Object.entries(resources.tables).map(async ([name, tableName]) => {
    const { Table } = await call('dynamodb:DescribeTable', () =>
      clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName })),
    );
    const arn = Table?.TableArn;
    if (arn === undefined) throw new Error(`DescribeTable named no ARN for table ${tableName}`);
    const policy = await call('dynamodb:GetResourcePolicy', async () => {
      try {
        return (await clients.dynamodb.send(new GetResourcePolicyCommand({ ResourceArn: arn })))
          .Policy;
      } catch (error) {
        if ((error as Error).name === 'PolicyNotFoundException') return undefined;
        throw error;
      }
    });
    return [`table ${name} (${tableName})`, policyPrincipals(policy)] as const;
  });
  return Object.fromEntries(await Promise.all([...keys, ...tables]));
}
