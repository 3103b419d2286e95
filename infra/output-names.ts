/**
 * The CloudFormation output keys of a deployed stack: the CDK construct emits exactly these,
 * and the CLI's `--stack` finds a deployment by them.
 */
export const stackOutputKeys = {
  registryTableName: 'RegistryTableName',
  auditTableName: 'AuditTableName',
  queueUrl: 'QueueUrl',
  secretsKeyId: 'SecretsKeyId',
  auditKeyId: 'AuditKeyId',
} as const;

/** Further outputs for operators and consumers; the CLI does not need them. */
export const operatorOutputKeys = {
  apiUrl: 'ApiUrl',
  webhookUrlTemplate: 'WebhookUrlTemplate',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  /** Read by `audit erase --stack` when present: a stack from before the bucket has none. */
  payloadBucketName: 'PayloadBucketName',
  queueArn: 'QueueArn',
  secretsKeyArn: 'SecretsKeyArn',
  auditKeyArn: 'AuditKeyArn',
  queueKeyId: 'QueueKeyId',
  queueKeyArn: 'QueueKeyArn',
  alarmTopicArn: 'AlarmTopicArn',
  complianceProfiles: 'ComplianceProfiles',
  /** Read by `audit verify`, `audit digest` and `audit public-key --stack` (docs/audit-integrity.md). */
  digestBucketName: 'DigestBucketName',
  digestSigningKeyArn: 'DigestSigningKeyArn',
  /**
   * Read by `providers add --stack` when present: the headers the deployment treats as carrying
   * a credential (infra/credential-headers.ts), comma-separated. A stack from before it has none.
   */
  credentialHeaders: 'CredentialHeaders',
} as const;
