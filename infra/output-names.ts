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

/** Outputs only some deployments have, each with what adds it. */
export const optionalOutputKeys = {
  /**
   * With a custom domain (infra/custom-domain.ts): the API Gateway domain's regional name, which
   * a CNAME record of the domain points at when the construct was given no hosted zone.
   */
  customDomainTarget: 'CustomDomainTarget',
  /**
   * With `selfAudit.awsConfigRules` (infra/self-audit.ts): the AWS Config rules watching the
   * stack's own resources, comma-separated, which the compliance report names.
   */
  configRuleNames: 'ConfigRuleNames',
  /**
   * With the access trail (infra/access-trail.ts, `accessTrail`): the CloudTrail trail's ARN and
   * the bucket its log and digest files are delivered to, which an auditor reads and validates
   * (`aws cloudtrail validate-logs`).
   */
  accessTrailArn: 'AccessTrailArn',
  accessTrailBucketName: 'AccessTrailBucketName',
} as const;

/**
 * What tells several WebhookIngestion constructs in one account and region apart: the
 * `instanceName` prop. Letters and digits, as an output key is; short, because the queues'
 * generated names (`<stack>-<instance>DeliveryQueue-<suffix>.fifo`) may be 80 characters at most.
 */
export const instanceNamePattern = /^[A-Za-z][A-Za-z0-9]{0,15}$/;

/** The output key of `key` for an instance: prefixed by its name; the unnamed one's as it was. */
export function instanceOutputKey(key: string, instanceName: string | undefined): string {
  return instanceName === undefined ? key : `${instanceName}${key}`;
}

/**
 * The instances whose outputs a stack holds, by their `RegistryTableName` output: `''` names
 * the unnamed instance (keys without prefix), any other its `instanceName`.
 */
export function instancesInOutputs(keys: Iterable<string>): string[] {
  const suffix = stackOutputKeys.registryTableName;
  return [...keys]
    .filter((key) => key.endsWith(suffix))
    .map((key) => key.slice(0, -suffix.length))
    .sort();
}
