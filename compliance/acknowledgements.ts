/**
 * Every cdk-nag finding this construct acknowledges, in one list: which rule, on which
 * resource, under which configuration, and why. docs/compliance.md prints the same list (a
 * test keeps the two equal), and a test checks each entry still answers a real finding.
 *
 * cdk-nag 3 matches an acknowledgement by exact rule id (with its `[finding]` suffix) on the
 * resource or one of its parents, so each entry names its rules one by one.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { deadLetterQueue } from '../functions/config/queues.ts';

/**
 * The constructs of a deployment that acknowledgements are recorded on, as the WebhookIngestion
 * construct (infra/webhook-ingestion.ts) has them. A shape rather than the class, because the
 * construct applies this list: importing it back would make the two modules one circle.
 */
export interface AcknowledgedConstructs {
  readonly api: IConstruct & {
    readonly api: IConstruct & {
      readonly deploymentStage: IConstruct;
      readonly methods: ReadonlyArray<IConstruct & { readonly httpMethod: string }>;
    };
  };
  readonly ingest: {
    readonly function: IConstruct;
    readonly policies: { readonly tracing: IConstruct; readonly networkInterfaces?: IConstruct };
  };
  readonly queues: { readonly deadLetterQueue: IConstruct };
  readonly registryTable: IConstruct;
  readonly auditTable: IConstruct;
  readonly alarmTopic: { readonly emailSubscription?: IConstruct };
  /** @default - no VPC placement */
  readonly network?: IConstruct;
  /** @default - no web ACL (waf: false) */
  readonly webAcl?: IConstruct;
}

export interface Acknowledgement {
  /** The rule ids exactly as cdk-nag reports them, one finding each. */
  readonly rules: readonly string[];
  /** The resource, in words, as docs/compliance.md names it. */
  readonly resource: string;
  readonly reason: string;
  /** The configuration it applies to, in words. @default - every configuration */
  readonly condition?: string;
  /** The constructs the acknowledgement is recorded on; none when it does not apply. */
  readonly targets: (ingestion: AcknowledgedConstructs) => readonly IConstruct[];
}

const lambdaDlq = ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'];
const stageCache = [
  'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
  'PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
  'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
];
const stageClientCertificate = [
  'HIPAA.Security-APIGWSSLEnabled',
  'PCI.DSS.321-APIGWSSLEnabled',
  'NIST.800.53.R5-APIGWSSLEnabled',
];
const backupPlan = ['HIPAA.Security-DynamoDBInBackupPlan', 'NIST.800.53.R5-DynamoDBInBackupPlan'];
const lambdaInVpc = [
  'HIPAA.Security-LambdaInsideVPC',
  'PCI.DSS.321-LambdaInsideVPC',
  'NIST.800.53.R5-LambdaInsideVPC',
];
const stageWaf = [
  'AwsSolutions-APIG3',
  'PCI.DSS.321-APIGWAssociatedWithWAF',
  'NIST.800.53.R5-APIGWAssociatedWithWAF',
];

const stage = (i: AcknowledgedConstructs) => [i.api.api.deploymentStage];
const webhookMethod = (i: AcknowledgedConstructs) =>
  i.api.api.methods.filter((method) => method.httpMethod === 'POST');

export const acknowledgements: readonly Acknowledgement[] = [
  {
    rules: ['AwsSolutions-APIG4', 'AwsSolutions-COG4'],
    resource: 'API method POST /v1/webhooks/{providerId}',
    reason:
      'Providers cannot send IAM signatures or Cognito tokens; each authenticates by signing the raw body (or with static credentials), which the ingest Lambda verifies before anything is queued. A Lambda authorizer cannot help: it never sees the body.',
    targets: webhookMethod,
  },
  {
    rules: ['AwsSolutions-APIG2'],
    resource: 'REST API',
    reason:
      'The request validator requires the providerId path parameter. The body is deliberately not validated by API Gateway: it is opaque signed bytes (JSON, form-encoded, anything a provider sends) that only the Lambda can verify, and a model would refuse valid deliveries.',
    targets: (i) => [i.api.api],
  },
  {
    rules: stageCache,
    resource: 'API stage',
    reason:
      'A cached response would answer a delivery without verifying, queueing or auditing it. Every POST must reach the Lambda, so the stage has no cache to encrypt.',
    targets: stage,
  },
  {
    rules: stageClientCertificate,
    resource: 'API stage',
    reason:
      'A client certificate authenticates API Gateway to an HTTP backend. The only integration is a Lambda proxy, invoked through the Lambda API with IAM, where a certificate is never presented.',
    targets: stage,
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "ingest Lambda role's tracing policy",
    reason:
      'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; the policy holds nothing else.',
    targets: (i) => [i.ingest.policies.tracing],
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "ingest Lambda role's network interface policy",
    reason:
      'Lambda attaches a function to its VPC through these EC2 network interface actions; the describe actions have no resource-level permissions and Lambda requires them unscoped. The policy holds nothing else.',
    condition: 'with VPC placement',
    targets: (i) =>
      i.ingest.policies.networkInterfaces === undefined
        ? []
        : [i.ingest.policies.networkInterfaces],
  },
  {
    rules: [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
    ],
    resource: 'API Gateway account logging policy',
    reason:
      "The region's API Gateway CloudWatch role is one per account and region and serves every REST API there, so it must reach the region's log groups, not only this stack's. It holds the logs actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs policy, limited to this account and region.",
    condition: 'with manageApiGatewayAccount, the default',
    targets: (i) => {
      const policy = i.api.node.tryFindChild('AccountLoggingPolicy');
      return policy === undefined ? [] : [policy];
    },
  },
  {
    rules: lambdaDlq,
    resource: 'ingest Lambda',
    reason:
      'API Gateway invokes the function synchronously, and a dead-letter queue only ever receives failed asynchronous invocations. A failed delivery is answered 5xx and the provider retries it; the accepted ones are on the delivery queue, which has its own dead-letter queue.',
    targets: (i) => [i.ingest.function],
  },
  {
    rules: ['Serverless-SQSRedrivePolicy'],
    resource: 'dead-letter queue',
    reason: `It is the end of the redrive chain: a dead-letter queue of its own would only move the same messages again. Its depth raises an alarm and it keeps messages for ${deadLetterQueue.retentionSeconds / 86_400} days.`,
    targets: (i) => [i.queues.deadLetterQueue],
  },
  {
    rules: backupPlan,
    resource: 'registry table, audit table',
    reason:
      'Both tables have point-in-time recovery (35 days, to the second) and deletion protection. An AWS Backup plan would add copies that outlive the TTL, keeping audit records and their personal data past the retention the profiles set (GDPR Art. 5(1)(e)).',
    targets: (i) => [i.registryTable, i.auditTable],
  },
  {
    rules: ['Serverless-SNSRedrivePolicy'],
    resource: 'alarm e-mail subscription',
    reason:
      "SNS retries e-mail deliveries itself, and a dead-letter queue of alarm e-mails would hold notifications no one reads; the alarms' state stays on the dashboard and in CloudWatch.",
    condition: 'with an alarm e-mail',
    targets: (i) =>
      i.alarmTopic.emailSubscription === undefined ? [] : [i.alarmTopic.emailSubscription],
  },
  {
    rules: lambdaInVpc,
    resource: 'ingest Lambda',
    reason:
      'The chosen profiles do not require network isolation: the function only calls AWS APIs (DynamoDB, SQS, KMS) over TLS with IAM authorization and serves no inbound connections. pci-dss and hipaa turn VPC placement on, and vpcPlacement turns it on for any profile.',
    condition: 'without VPC placement: baseline, gdpr and ccpa by default',
    targets: (i) => (i.network === undefined ? [i.ingest.function] : []),
  },
  {
    rules: stageWaf,
    resource: 'API stage',
    reason:
      'The operator turned the web ACL off (waf: false), which only profiles without a WAF requirement allow. Every delivery is still authenticated by its signature, and stage throttling caps the request rate.',
    condition: 'with waf: false',
    targets: (i) => (i.webAcl === undefined ? stage(i) : []),
  },
];

/** Records every acknowledgement that applies to this deployment on its resources. */
export function applyAcknowledgements(ingestion: AcknowledgedConstructs): void {
  for (const { rules, reason, targets } of acknowledgements) {
    for (const target of targets(ingestion)) {
      for (const id of rules) Validations.of(target).acknowledge({ id, reason });
    }
  }
}
