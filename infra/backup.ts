/**
 * Backups of the audit trail for the profiles that require them (PCI DSS v4.0.1 10.3.3, HIPAA
 * §164.308(a)(7)(ii)(A)): a daily AWS Backup of the audit and registry tables into a vault
 * under the audit key, with Vault Lock in compliance mode, each copy kept exactly as long as the
 * delivery audit records are. The consumer table is left out: it records which deliveries a
 * consumer has run, not evidence of what was received. The restore drill is docs/restore.md.
 *
 * The plan relies on AWS Backup's advanced DynamoDB backup (on by default in accounts since
 * November 2021): only then does the vault's key encrypt the copies and the vault hold them,
 * and the role below is written for it (dynamodb:StartAwsBackupJob).
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { symmetricDataActions } from './key-actions.ts';

/**
 * Days after deployment during which the Vault Lock can still be changed or removed
 * (`aws backup delete-backup-vault-lock-configuration`); after them it is immutable, even to
 * the account's root user. AWS Backup's minimum: it enforces a 72-hour cooling-off period.
 */
export const vaultLockGraceDays = 3;

/** When the daily backup starts: 03:00 UTC, after the busiest hours of most providers. */
const dailyAtThreeUtc = events.Schedule.cron({ hour: '3', minute: '0' });

export interface AuditBackupsProps {
  readonly auditTable: dynamodb.Table;
  readonly registryTable: dynamodb.Table;
  /** Encrypts the vault; the audit table is under it too. */
  readonly auditKey: kms.IKey;
  /** The registry table's key, which the backup reads the table through. */
  readonly secretsKey: kms.IKey;
  /** Days a copy is kept, and the Vault Lock's minimum: the delivery audit records' days. */
  readonly retentionDays: number;
}

export class AuditBackups extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;
  readonly selection: backup.BackupSelection;
  /** The role AWS Backup assumes to back the tables up, with one customer managed policy. */
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** Days each copy is kept, and the least the locked vault lets any copy be kept. */
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: AuditBackupsProps) {
    super(scope, id);
    this.retentionDays = props.retentionDays;
    props.auditKey.addToResourcePolicy(vaultEncryptionThroughBackup());
    this.vault = new backup.BackupVault(this, 'Vault', {
      encryptionKey: props.auditKey,
      lockConfiguration: {
        minRetention: Duration.days(props.retentionDays),
        changeableFor: Duration.days(vaultLockGraceDays),
      },
      // Audit evidence outlives the stack, as the tables and keys do; the lock would refuse
      // to delete a vault that holds copies anyway.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: dailyAtThreeUtc,
          deleteAfter: Duration.days(props.retentionDays),
        }),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup backs up the webhook-ingestion audit and registry tables',
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Back up the webhook-ingestion audit and registry tables into their vault',
      roles: [this.role],
      statements: backupStatements(props, this.vault),
    });
    this.selection = new backup.BackupSelection(this, 'Tables', {
      backupPlan: this.plan,
      resources: [
        backup.BackupResource.fromDynamoDbTable(props.auditTable),
        backup.BackupResource.fromDynamoDbTable(props.registryTable),
      ],
      role: this.role,
      // The AWS managed policy reaches every table, volume and database of the account.
      disableDefaultBackupPolicy: true,
    });
    // The role must hold its policy before the first job runs under it.
    this.selection.node.addDependency(this.policy);
  }
}

/**
 * What AWS Backup does with the role, for these two tables and this vault only: read each table
 * through DynamoDB under its key, and write the copy into the vault under the audit key.
 */
function backupStatements(
  props: AuditBackupsProps,
  vault: backup.BackupVault,
): iam.PolicyStatement[] {
  const tables = [props.auditTable.tableArn, props.registryTable.tableArn];
  const keys = [props.auditKey.keyArn, props.secretsKey.keyArn];
  return [
    new iam.PolicyStatement({
      sid: 'BackUpTables',
      actions: [
        'dynamodb:DescribeTable',
        'dynamodb:CreateBackup',
        'dynamodb:StartAwsBackupJob',
        'dynamodb:ListTagsOfResource',
      ],
      resources: tables,
    }),
    new iam.PolicyStatement({
      sid: 'WriteIntoVault',
      actions: ['backup:DescribeBackupVault', 'backup:CopyIntoBackupVault'],
      resources: [vault.backupVaultArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTablesThroughDynamoDb',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: keys,
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'EncryptCopiesThroughBackup',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.auditKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `backup.${Aws.REGION}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'DescribeKeys',
      actions: ['kms:DescribeKey'],
      resources: keys,
    }),
    // The services hold a grant for the length of a job; only for an AWS resource.
    new iam.PolicyStatement({
      sid: 'GrantKeysToServices',
      actions: ['kms:CreateGrant'],
      resources: keys,
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  ];
}

/**
 * Any principal of this account whose IAM policy allows it may use the audit key through AWS
 * Backup only: the backup role writing copies, CloudFormation creating the vault, an operator's
 * restore role reading a copy back (docs/restore.md).
 */
function vaultEncryptionThroughBackup(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'VaultEncryptionThroughBackup',
    principals: [new iam.AccountRootPrincipal()],
    actions: [...symmetricDataActions, 'kms:CreateGrant', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:ViaService': `backup.${Aws.REGION}.amazonaws.com`,
        'kms:CallerAccount': Aws.ACCOUNT_ID,
      },
    },
  });
}
