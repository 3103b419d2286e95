/**
 * The registry and audit tables, built from the definitions in functions/config/tables.ts that
 * the local stack also creates, so the cloud and `npm start` cannot drift apart.
 *
 * `dynamodb.Table` rather than `TableV2`: cdk-nag inspects `AWS::DynamoDB::Table` only, and a
 * table it cannot see is a table nobody checked.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  type KeyAttribute,
  pointInTimeRecoveryDays,
  type TableDefinition,
} from '../functions/config/tables.ts';

const attributeTypes = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
} as const;

type IndexProjection = TableDefinition['globalSecondaryIndexes'][number]['projection'];

const projectionTypes: Readonly<Record<IndexProjection, dynamodb.ProjectionType>> = {
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
};

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}

/**
 * A table from its definition: on-demand, encrypted with `key`, point-in-time recovery,
 * deletion protection, kept when the stack is deleted (see `applyTableRemoval`), TTL where
 * defined, and the secondary indexes with their projections; the table and each index
 * pre-warmed to `warmWriteUnitsPerSecond` when given.
 */
export function definedTable(
  scope: Construct,
  id: string,
  definition: TableDefinition,
  key: kms.IKey,
  warmWriteUnitsPerSecond?: number,
): dynamodb.Table {
  const warmThroughput =
    warmWriteUnitsPerSecond === undefined
      ? {}
      : { warmThroughput: { writeUnitsPerSecond: warmWriteUnitsPerSecond } };
  const table = new dynamodb.Table(scope, id, {
    ...warmThroughput,
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey === undefined ? {} : { sortKey: attribute(definition.sortKey) }),
    ...(definition.timeToLiveAttribute === undefined
      ? {}
      : { timeToLiveAttribute: definition.timeToLiveAttribute }),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: {
      pointInTimeRecoveryEnabled: true,
      recoveryPeriodInDays: pointInTimeRecoveryDays,
    },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
      projectionType: projectionTypes[index.projection],
      ...warmThroughput,
    });
  }
  return table;
}

/**
 * What deleting the stack does to `table`. RETAIN, `definedTable`'s own, keeps it with deletion
 * protection on. DESTROY deletes it with the stack, which needs deletion protection off:
 * CloudFormation cannot delete a protected table and would leave the stack DELETE_FAILED.
 * DynamoDB still keeps a system backup of a deleted table that had point-in-time recovery
 * (`<table>$DeletedTableBackup`, 35 days, free), restorable while its key exists
 * (docs/teardown.md).
 */
export function applyTableRemoval(table: dynamodb.Table, removalPolicy: RemovalPolicy): void {
  table.applyRemovalPolicy(removalPolicy);
  (table.node.defaultChild as dynamodb.CfnTable).deletionProtectionEnabled =
    removalPolicy !== RemovalPolicy.DESTROY;
}
