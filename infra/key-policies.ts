/**
 * Key policy statements, every action spelled out (no `kms:*`, no `kms:Get*`), so that a
 * reviewer reads exactly what each principal may do with each key.
 */
import { Aws, Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { SealWriter } from '../functions/audit/record-seal.ts';
import { symmetricDataActions } from './key-actions.ts';

/**
 * What the account's key administrators may do: manage, tag, alias, disable and schedule
 * deletion, but not encrypt, decrypt or turn rotation off. Delegated to the account so that IAM
 * decides who administers; KMS's lockout check needs the deploying role to keep
 * kms:PutKeyPolicy. Whoever holds kms:PutKeyPolicy can rewrite the policy, so "not" holds only
 * until a policy change: `keyGuard` (keyDeletionGuard) denies disabling and deletion to all but
 * a break-glass role, and the KeyChanges rule (infra/key-change-alarm.ts) notifies every change.
 */
export const keyAdministrationActions = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:ListKeyRotations',
  'kms:RotateKeyOnDemand',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/** What DynamoDB needs of a table's key on behalf of a caller (the AWS managed key's set). */
const dynamoDbTableKeyActions = [
  ...symmetricDataActions,
  'kms:CreateGrant',
  'kms:DescribeKey',
] as const;

const account = () => new iam.AccountRootPrincipal();

/** Conditions by operator, then by key: what both policy statements and CDK's grants take. */
export type StatementConditions = Record<string, Record<string, unknown>>;

/** The services whose use of a key on a caller's behalf a statement may name. */
export type KeyUsingService = 'dynamodb' | 'sqs' | 's3';

/** The regional endpoint name `kms:ViaService` compares with. */
export const serviceEndpoint = (service: KeyUsingService) =>
  `${service}.${Aws.REGION}.amazonaws.com`;

/** The condition that a key is used by `service` on the caller's behalf. */
export function viaService(service: KeyUsingService) {
  return { 'kms:ViaService': serviceEndpoint(service) };
}

/**
 * The conditions that bind direct use of a key to one encryption context: each pair of
 * `context` must be in the request's context, and no key outside `allowedKeys` may be. Key
 * policy statements (contextBoundUse, the seal statements) and the construct's grants
 * (infra/grants.ts) share this shape.
 */
export function encryptionContextBound(
  context: Readonly<Record<string, string>>,
  allowedKeys: readonly string[],
): StatementConditions {
  return {
    StringEquals: Object.fromEntries(
      Object.entries(context).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
    ),
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...allowedKeys] },
  };
}

/**
 * The conditions that bind a key's use to one AWS service working on one resource: the
 * service's endpoint (`kms:ViaService`) and the encryption context the service itself sets,
 * `aws:<service>:arn` (SQS: the queue's ARN; S3 with a Bucket Key, as the payload bucket has:
 * the bucket's ARN, not the object's).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html (`aws:sqs:arn`)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html (`aws:s3:arn`)
 */
export function serviceBound(service: 'sqs' | 's3', resourceArn: string): StatementConditions {
  return {
    StringEquals: {
      ...viaService(service),
      [`kms:EncryptionContext:aws:${service}:arn`]: resourceArn,
    },
  };
}

export function administration(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeyAdministrationByAccountAdmins',
    principals: [account()],
    actions: [...keyAdministrationActions],
    resources: ['*'],
  });
}

/**
 * Nobody may create a grant on the key unless an AWS service asks for it, for a resource of its
 * own (DynamoDB for a table, AWS Backup for a copy): a grant is a second, IAM-invisible way to
 * use a key, and no principal of this construct needs to hand one out. Every key policy carries
 * it, as AWS Control Tower's proactive control CT.KMS.PR.3 requires (the statement it looks for:
 * a Deny with both conditions false under `BoolIfExists`).
 * @see https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html#ct-kms-pr-3-description
 */
export function grantsOnlyForAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/**
 * Any principal of this account whose IAM policy allows it may use the key through DynamoDB
 * only: CloudFormation creating the table, the CLI reading and writing items, restores.
 */
export function dynamoDbTablesOfAccount(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'TableEncryptionThroughDynamoDb',
    principals: [account()],
    actions: [...dynamoDbTableKeyActions],
    resources: ['*'],
    conditions: {
      StringEquals: { ...viaService('dynamodb'), 'kms:CallerAccount': Aws.ACCOUNT_ID },
    },
  });
}

/** DynamoDB reads the key's metadata to validate and describe encrypted tables. */
export function dynamoDbServiceMetadata(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DynamoDbReadsKeyMetadata',
    principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
    actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants'],
    resources: ['*'],
  });
}

/**
 * Account principals allowed by IAM (the `webhooks providers add/rotate/bind` operator) may
 * encrypt provider keys, and re-encrypt them from one context to another (ReEncrypt, which
 * never returns the key's text: it binds a key to its provider's settings, or proves the stored
 * settings are the bound ones), only under the provider-secret purpose. Nobody but the ingest
 * Lambda may decrypt them.
 */
export function providerSecretEncryptionByOperators(purpose: string): iam.PolicyStatement {
  return accountUseUnderPurpose(
    'ProviderSecretEncryptionByOperators',
    ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
    purpose,
  );
}

/** `webhooks audit show`: auditors allowed by IAM may decrypt audit fields, nothing else. */
export function auditFieldDecryptionByAuditors(purpose: string): iam.PolicyStatement {
  return accountUseUnderPurpose('AuditFieldDecryptionByAuditors', ['kms:Decrypt'], purpose);
}

/**
 * `webhooks providers add --subject-key` and `audit erase --subject`: operators allowed by IAM
 * may create the subject-index secret (GenerateDataKey) and decrypt it to hash a subject's
 * value, under its purpose only. Whoever may decrypt it can test guessed values against the
 * index, which is what erasure by subject does; IAM decides who that is.
 */
export function subjectIndexSecretByOperators(purpose: string): iam.PolicyStatement {
  return accountUseUnderPurpose(
    'SubjectIndexSecretByOperators',
    ['kms:GenerateDataKey', 'kms:Decrypt'],
    purpose,
  );
}

/**
 * Audit seals (functions/audit/record-seal.ts): operators allowed by IAM may generate seal keys
 * for the items the CLI writes (admin records, erasure receipts) under the `operator` writer
 * only; the ingest function's role has its own statement for the `ingest` writer. So a principal
 * with table access and this statement still cannot seal a delivery record.
 */
export function auditSealingByOperators(purpose: string): iam.PolicyStatement {
  return sealKeyGeneration('AuditSealingByOperators', account(), purpose, 'operator');
}

/**
 * `webhooks audit verify`: principals allowed by IAM may decrypt seal keys, of either writer, to
 * check the seals. Whoever can decrypt a seal key could also compute seals with it: the role that
 * verifies should not be one that may write the audit table (docs/audit-integrity.md).
 */
export function auditSealVerificationByAuditors(purpose: string): iam.PolicyStatement {
  return accountUseUnderPurpose('AuditSealVerificationByAuditors', ['kms:Decrypt'], purpose);
}

/** The ingest function's role generates seal keys for the `ingest` writer, and nothing else. */
export function ingestSealing(role: iam.IRole, purpose: string): iam.PolicyStatement {
  return sealKeyGeneration('IngestSealsAuditRecords', role, purpose, 'ingest');
}

/** GenerateDataKey under the seal purpose and one writer, and no other context key. */
function sealKeyGeneration(
  sid: string,
  principal: iam.IPrincipal,
  purpose: string,
  writer: SealWriter,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [principal],
    actions: ['kms:GenerateDataKey'],
    resources: ['*'],
    conditions: encryptionContextBound({ purpose, writer }, ['purpose', 'writer']),
  });
}

/**
 * Account principals allowed by IAM may call `actions` on the key, and only for ciphertexts
 * whose encryption context carries `purpose`: IAM decides who, the key decides for what.
 */
function accountUseUnderPurpose(
  sid: string,
  actions: string[],
  purpose: string,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [account()],
    actions,
    resources: ['*'],
    conditions: { StringEquals: { 'kms:EncryptionContext:purpose': purpose } },
  });
}

/**
 * CloudWatch Logs encrypts this account's log groups with the key; the condition keeps the
 * service from using it for anything but a log group of this account and region.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function cloudWatchLogsEncryption(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'LogGroupEncryptionByCloudWatchLogs',
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: [...symmetricDataActions, 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
      },
    },
  });
}

/**
 * CloudWatch alarms publish to the KMS-encrypted alarm topic; SNS asks KMS for a data key on
 * their behalf, under the topic's ARN as encryption context.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export function alarmPublishingByCloudWatch(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AlarmNotificationsByCloudWatch',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:sns:topicArn': `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
      },
    },
  });
}

/**
 * The organisation's queue consumers (and DLQ redrives), allowed by their IAM policies, may
 * use the queue key through SQS only.
 */
export function queueConsumersOfAccount(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'QueueEncryptionThroughSqs',
    principals: [account()],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { ...viaService('sqs'), 'kms:CallerAccount': Aws.ACCOUNT_ID },
    },
  });
}

/** What a caller needs of a table's key to read and write its items through DynamoDB. */
export const tableItemKeyActions = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
] as const;

/** A role may use the key through DynamoDB only, for the tables it reads and writes. */
export function tableAccessThroughDynamoDb(sid: string, role: iam.IRole): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [role],
    actions: [...tableItemKeyActions],
    resources: ['*'],
    conditions: { StringEquals: viaService('dynamodb') },
  });
}

/** A producer sends to the encrypted queue: SQS asks for a data key and may re-read it. */
export function queueSendingThroughSqs(sid: string, role: iam.IRole): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [role],
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['*'],
    conditions: { StringEquals: viaService('sqs') },
  });
}

/**
 * Direct use of a key by a role, bound to an encryption context: `purpose` must match, and
 * no context key outside `allowedContextKeys` may appear.
 */
export function contextBoundUse(
  sid: string,
  role: iam.IRole,
  actions: readonly string[],
  purpose: string,
  allowedContextKeys: readonly string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [role],
    actions: [...actions],
    resources: ['*'],
    conditions: encryptionContextBound({ purpose }, allowedContextKeys),
  });
}

/**
 * What `keyGuard` denies: disabling a key, deleting it, turning its rotation off. Disabling
 * or deleting makes every ciphertext under the key unreadable; rotation off keeps one key
 * material past its cryptoperiod. CancelKeyDeletion and EnableKey undo the first two, and stay
 * open to the administrators.
 */
export const guardedKeyActions = [
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
] as const;

/**
 * `keyGuard`: nobody but the break-glass role may disable a key, schedule its deletion or turn
 * its rotation off, whatever another statement or an IAM policy allows (an explicit Deny wins).
 * Not kms:PutKeyPolicy: CloudFormation changes the policy on every update that changes a
 * grant, and KMS refuses a policy that locks its own caller out of changing it. So an
 * administrator can still remove this statement first: the KeyChanges rule notifies the alarm
 * topic of every such change (infra/key-change-alarm.ts).
 */
export function keyDeletionGuard(breakGlassRoleArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeyDeletionOnlyByBreakGlassRole',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [...guardedKeyActions],
    resources: ['*'],
    conditions: { ArnNotLike: { 'aws:PrincipalArn': breakGlassRoleArn } },
  });
}

/**
 * The role ARNs of the custodians a statement names, read when the template is written: the
 * construct's own consumer and the ingest function join after the keys are made.
 */
export type CustodianArns = () => readonly string[];

/** `aws:PrincipalArn` among `arns` (ArnLike: an IAM Identity Center role's name may end in `*`). */
const principalArnAmong = (arns: CustodianArns) => ({
  ArnLike: { 'aws:PrincipalArn': Lazy.list({ produce: () => [...arns()] }) },
});

/**
 * `keyCustodians.auditorRoleArns`: the roles named, and no other principal of the account,
 * may decrypt audit fields (`webhooks audit show`, `replay`). The account is the principal so
 * that each role's IAM policy (`grantReadPayloadCopies`) must allow it as well; the condition
 * is who. Replaces `auditFieldDecryptionByAuditors`.
 */
export function auditFieldDecryptionByCustodians(
  purpose: string,
  auditors: CustodianArns,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AuditFieldDecryptionByCustodians',
    principals: [account()],
    actions: ['kms:Decrypt'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:EncryptionContext:purpose': purpose },
      ...principalArnAmong(auditors),
    },
  });
}

/**
 * With `keyCustodians.consumerRoleArns`, what is left of `queueConsumersOfAccount` for the
 * account: SQS may make data keys for a sender, which cannot read a message with them.
 */
export function queueSendingByAccount(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'QueueEncryptionThroughSqs',
    principals: [account()],
    actions: ['kms:GenerateDataKey', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { ...viaService('sqs'), 'kms:CallerAccount': Aws.ACCOUNT_ID },
    },
  });
}

/**
 * `keyCustodians.consumerRoleArns`: the roles named (and the construct's own consumer's) may
 * have SQS decrypt deliveries and S3 their large bodies for them; as for the auditors, each
 * role's IAM policy (`grantConsumeDeliveries`) must allow it too.
 */
export function deliveryDecryptionByCustodians(consumers: CustodianArns): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DeliveryDecryptionByCustodians',
    principals: [account()],
    actions: ['kms:Decrypt'],
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:ViaService': [serviceEndpoint('sqs'), serviceEndpoint('s3')],
        'kms:CallerAccount': Aws.ACCOUNT_ID,
      },
      ...principalArnAmong(consumers),
    },
  });
}

/**
 * Whatever any other statement allows (one for the account added elsewhere, such as the
 * payload bucket's through S3), no principal outside `allowed` may decrypt, or re-encrypt to
 * another key, what `context` marks: an explicit Deny wins. AWS services acting as themselves
 * (CloudWatch Logs, DynamoDB's own reads) carry no principal ARN and are left out.
 */
export function decryptionOnlyBy(
  sid: string,
  allowed: CustodianArns,
  context: Readonly<Record<string, string>> = {},
): iam.PolicyStatement {
  const contextConditions = Object.fromEntries(
    Object.entries(context).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
  );
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:Decrypt', 'kms:ReEncryptFrom'],
    resources: ['*'],
    conditions: {
      ...(Object.keys(contextConditions).length === 0 ? {} : { StringEquals: contextConditions }),
      ArnNotLike: { 'aws:PrincipalArn': Lazy.list({ produce: () => [...allowed()] }) },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/**
 * EventBridge publishes the KeyChanges rule's events to the KMS-encrypted alarm topic; SNS asks
 * KMS for a data key on its behalf, under the topic's ARN, as for CloudWatch's alarms.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export function alarmPublishingByEventBridge(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AlarmNotificationsByEventBridge',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:sns:topicArn': `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
      },
    },
  });
}
