/**
 * The stack outputs: what the CLI's `--stack` reads (infra/output-names.ts) and
 * what operators and queue consumers need. Names, URLs and ARNs only.
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { operatorOutputKeys, stackOutputKeys } from './output-names.ts';

export type OutputValues = Readonly<
  Record<keyof typeof stackOutputKeys | keyof typeof operatorOutputKeys, string>
>;

const descriptions: OutputValues = {
  registryTableName: 'Provider registry table (webhooks providers … --stack)',
  auditTableName: 'Audit trail table (webhooks audit … --stack)',
  queueUrl: 'Delivery queue that consumers read',
  secretsKeyId: 'KMS key of provider secrets',
  auditKeyId: 'KMS key of audit records and logs',
  apiUrl: 'Base URL of the front: the API stage or the function URL',
  webhookUrlTemplate: 'The URL to give a provider, with its id in place of {providerId}',
  deadLetterQueueUrl: 'Dead-letter queue of the delivery queue',
  payloadBucketName: 'Bucket of bodies too large for a queue message, which the message points to',
  queueArn: 'Delivery queue ARN, for consumer policies',
  secretsKeyArn: 'KMS key ARN of provider secrets',
  auditKeyArn: 'KMS key ARN of audit records and logs',
  queueKeyId: 'KMS key of the delivery queues',
  queueKeyArn: 'KMS key ARN of the delivery queues, for consumer policies',
  alarmTopicArn: 'SNS topic of the alarms',
  complianceProfiles: 'Compliance profiles this stack was synthesized for',
  digestBucketName: "Bucket of the audit trail's signed digests, under Object Lock",
  digestSigningKeyArn: "KMS key ARN that signs the audit trail's digests, to verify them with",
  credentialHeaders:
    'Request headers treated as credentials: redacted by the WAF; providers add refuses any other',
};

/** One CfnOutput per key, with the key as both logical id and output name. */
export function addOutputs(scope: Construct, values: OutputValues): void {
  const keys = { ...stackOutputKeys, ...operatorOutputKeys };
  for (const [name, key] of Object.entries(keys) as [keyof OutputValues, string][]) {
    new CfnOutput(scope, key, {
      value: values[name],
      description: descriptions[name],
    }).overrideLogicalId(key);
  }
}
