/**
 * Every cdk-nag finding this construct acknowledges, in one list: which rule, on which
 * resource, under which configuration, whether it is a false positive or an accepted risk, and
 * why. docs/compliance.md prints the same list (a test keeps the two equal), and a test checks
 * each entry still answers a real finding.
 *
 * cdk-nag 3 matches an acknowledgement by exact rule id (with its `[finding]` suffix) on the
 * resource or one of its parents, so each entry names its rules one by one. Control Tower's
 * proactive controls (compliance/guard.ts) are acknowledged here too, by `guardRule(name)`: an
 * acknowledgement quiets the synth, but a Control Tower hook enforcing that control still
 * refuses the resource.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { payloadBucket } from '../functions/config/buckets.ts';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';
import { profileGuardTimeoutSeconds } from '../functions/profile-guard/resource.ts';
import { guardRule } from './guard-rules.ts';

/**
 * The constructs of a deployment that acknowledgements are recorded on, as the WebhookIngestion
 * construct (infra/webhook-ingestion.ts) has them. A shape rather than the class, because the
 * construct applies this list: importing it back would make the two modules one circle.
 */
export interface AcknowledgedConstructs extends IConstruct {
  /** The front, told apart by `kind` (infra/front.ts). */
  readonly front: IConstruct &
    (
      | {
          readonly kind: 'rest';
          readonly api: IConstruct & {
            readonly deploymentStage: IConstruct;
            readonly methods: ReadonlyArray<IConstruct & { readonly httpMethod: string }>;
          };
        }
      | {
          readonly kind: 'http';
          readonly stage: IConstruct;
          readonly routes: readonly IConstruct[];
        }
      | { readonly kind: 'url'; readonly publicInvokePermissions: readonly IConstruct[] }
    );
  readonly settings: {
    readonly tracing: boolean;
    /** @default - no reservation (fronts `rest` and `http` unless asked) */
    readonly reservedConcurrency?: number;
  };
  readonly ingest: {
    readonly function: IConstruct;
    readonly policies: {
      readonly data: IConstruct;
      readonly tracing?: IConstruct;
      readonly networkInterfaces?: IConstruct;
    };
  };
  readonly queues: { readonly deadLetterQueue: IConstruct };
  readonly payloadBucket: { readonly bucket: IConstruct };
  readonly registryTable: IConstruct;
  readonly auditTable: IConstruct;
  readonly alarmTopic: { readonly emailSubscription?: IConstruct };
  /** @default - no VPC placement */
  readonly network?: IConstruct & {
    /** The deploy-time lookup of DynamoDB's and S3's prefix lists (infra/network.ts). */
    readonly prefixLists: { readonly function: IConstruct; readonly policy: IConstruct };
  };
  /** @default - no web ACL */
  readonly webAcl?: IConstruct;
  /** The audit and registry tables' backup plan (infra/backup.ts). @default - no backup plan */
  readonly backups?: IConstruct;
  /** The CloudTrail trail of every access (infra/access-trail.ts). @default - no access trail */
  readonly accessTrail?: { readonly bucket: IConstruct };
  /** The audit trail's digests (infra/audit-digests.ts), in every configuration. */
  readonly digests: {
    readonly bucket: IConstruct;
    readonly function: IConstruct;
    readonly schedule: IConstruct;
    readonly policies: {
      readonly data: IConstruct;
      readonly tracing?: IConstruct;
      readonly networkInterfaces?: IConstruct;
    };
  };
  /** The compliance profile guard (infra/profile-guard.ts), in every configuration. */
  readonly profileGuard: { readonly function: IConstruct };
  /** The source range refresher (infra/source-range-refresher.ts), in every configuration. */
  readonly sourceRefresher: {
    readonly function: IConstruct;
    readonly schedule: IConstruct;
    readonly policies: { readonly tracing?: IConstruct };
  };
  /** The KeyChanges rule (infra/key-change-alarm.ts), in every configuration. */
  readonly keyChanges: IConstruct;
  /** The scheduled self-audit (infra/self-audit.ts), in every configuration. */
  readonly selfAudit: {
    readonly function: IConstruct;
    readonly policies: { readonly data: IConstruct; readonly tracing?: IConstruct };
  };
  /** The wiring `addConsumer` builds (infra/consumer.ts). @default - no consumer */
  readonly consumer?: IConstruct & {
    readonly table: IConstruct;
    readonly policy: IConstruct;
    readonly eventSource: IConstruct;
  };
  /** The policies the grant methods attached (infra/grants.ts), by grant. @default - none */
  readonly grantPolicies?: {
    readonly consumeDeliveries?: IConstruct;
    readonly eraseSubjects?: IConstruct;
  };
  /**
   * A named instance's prefix of the buckets' logical ids (infra/outputs.ts), which the rules
   * below name unprefixed, as the unnamed instance has them. @default - unnamed: ''
   */
  readonly instanceNames?: { readonly logicalIdPrefix: string };
}

/** A rule id as cdk-nag reports it for the instance whose buckets' logical ids have `prefix`. */
function forInstance(id: string, prefix: string): string {
  return prefix === ''
    ? id
    : id.replace(/<(PayloadBucket|DigestBucket)\.Arn>/, `<${prefix}$1.Arn>`);
}

/**
 * What an acknowledged finding is, as the compliance report and docs/compliance.md state it.
 * `false_positive`: the rule misreads the resource, or asks for what cannot exist or take effect
 * on it (a SourceArn built with Fn::Join it cannot resolve, a dead-letter queue on a function
 * only ever invoked synchronously); the reason says what the rule does not see. `accepted`: the
 * finding is true and its risk accepted; the reason says why and what compensates.
 */
export type AcknowledgementVerdict = 'false_positive' | 'accepted';

/** Every verdict, in the order the report counts them. */
export const acknowledgementVerdicts: readonly AcknowledgementVerdict[] = [
  'false_positive',
  'accepted',
];

export interface Acknowledgement {
  /** The rule ids exactly as cdk-nag reports them, one finding each. */
  readonly rules: readonly string[];
  /** The resource, in words, as docs/compliance.md names it. */
  readonly resource: string;
  /** Required: an auditor reads each acknowledgement as a false positive or an accepted risk. */
  readonly verdict: AcknowledgementVerdict;
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
  guardRule('lambda_inside_vpc_check'),
];
const bucketLogging = [
  'AwsSolutions-S1',
  guardRule('s3_bucket_logging_enabled_check'),
  'HIPAA.Security-S3BucketLoggingEnabled',
  'PCI.DSS.321-S3BucketLoggingEnabled',
  'NIST.800.53.R5-S3BucketLoggingEnabled',
];
const bucketReplication = [
  'HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321-S3BucketReplicationEnabled',
  'NIST.800.53.R5-S3BucketReplicationEnabled',
];
const bucketVersioning = [
  'HIPAA.Security-S3BucketVersioningEnabled',
  guardRule('s3_bucket_versioning_enabled_check'),
  'PCI.DSS.321-S3BucketVersioningEnabled',
  'NIST.800.53.R5-S3BucketVersioningEnabled',
];
/** The most days an object stays in the payload bucket: S3 rounds its expiry up a day at most. */
const payloadBucketDays = payloadBucket.expirationDays + 1;
const stageWaf = [
  'AwsSolutions-APIG3',
  'PCI.DSS.321-APIGWAssociatedWithWAF',
  'NIST.800.53.R5-APIGWAssociatedWithWAF',
];

const xrayStage = [
  'HIPAA.Security-APIGWXrayEnabled',
  'Serverless-APIGWXrayEnabled',
  guardRule('api_gw_xray_enabled_check'),
];

/** Minutes between two runs of the audit digest function, as its schedule says. */
const digestMinutes = auditDigests.periodSeconds / 60;

const unscopedTracing =
  'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; the policy holds nothing else.';
const unscopedNetworkInterfaces =
  'Lambda attaches a function to its VPC through these EC2 network interface actions; the describe actions have no resource-level permissions and Lambda requires them unscoped. The policy holds nothing else.';
/** One of a function's optional policies, as a list of targets. */
const present = (policy: IConstruct | undefined): IConstruct[] =>
  policy === undefined ? [] : [policy];

/** The REST API of a `rest` front; none on the other fronts. */
const restApi = (i: AcknowledgedConstructs) => (i.front.kind === 'rest' ? [i.front.api] : []);
const restStage = (i: AcknowledgedConstructs) =>
  i.front.kind === 'rest' ? [i.front.api.deploymentStage] : [];
/** The webhook resource's methods of a `rest` front: POST, and GET for handshakes. */
const restWebhookMethods = (i: AcknowledgedConstructs): IConstruct[] =>
  i.front.kind === 'rest'
    ? i.front.api.methods.filter((method) => ['POST', 'GET'].includes(method.httpMethod))
    : [];

const unauthenticatedRoute =
  'Providers cannot send IAM signatures or Cognito tokens; each authenticates by signing the raw body (or with static credentials), which the ingest Lambda verifies before anything is queued. A Lambda authorizer cannot help: it never sees the body.';

const handshakeGet =
  "The GET serves the verification handshakes some providers send before they deliver (Meta's, Nylas's, Dropbox's): the Lambda answers it only for a provider registered with one, checks Meta's verify token against the provider's keys, echoes nothing but a short plain-text challenge, and queues nothing; for any other provider it is a 405.";

const untraced =
  "X-Ray is off unless asked for (tracing: true): no profile requires it, it samples (the first request each second, then 5 %) so it cannot stand for a record of every request, and it is priced per trace recorded. Every attempt has its audit record and its one JSON line in the Lambda's log, which the dashboard and saved queries read.";

/** The Control Tower rule's floor for a log group's retention, in days. */
const guardLogRetentionDays = 365;

/** The construct's log groups that keep their events fewer days than the rule's floor. */
const shortLivedLogGroups = (i: AcknowledgedConstructs): IConstruct[] =>
  i.node
    .findAll()
    .filter(
      (c): c is CfnLogGroup =>
        c instanceof CfnLogGroup &&
        typeof c.retentionInDays === 'number' &&
        c.retentionInDays < guardLogRetentionDays,
    );

/** CDK's deploy-time handler that empties the VPC's default security group, one per stack. */
const defaultGroupRestriction = (i: AcknowledgedConstructs): IConstruct[] => {
  if (i.network === undefined) return [];
  const provider = Stack.of(i).node.tryFindChild(
    'Custom::VpcRestrictDefaultSGCustomResourceProvider',
  );
  return provider === undefined ? [] : [provider];
};

export const acknowledgements: readonly Acknowledgement[] = [
  {
    rules: ['AwsSolutions-APIG4', 'AwsSolutions-COG4'],
    resource: 'API methods POST and GET /v1/webhooks/{providerId}',
    verdict: 'accepted',
    reason: `${unauthenticatedRoute} ${handshakeGet}`,
    condition: "with front 'rest'",
    targets: restWebhookMethods,
  },
  {
    rules: ['AwsSolutions-APIG4', guardRule('api_gw_v2_authorization_type_configured_check')],
    resource: 'HTTP API routes POST and GET /v1/webhooks/{providerId}',
    verdict: 'accepted',
    reason: `${unauthenticatedRoute} ${handshakeGet}`,
    condition: "with front 'http', the default without a WAF",
    targets: (i) => (i.front.kind === 'http' ? [...i.front.routes] : []),
  },
  {
    rules: [
      'HIPAA.Security-LambdaFunctionPublicAccessProhibited',
      'PCI.DSS.321-LambdaFunctionPublicAccessProhibited',
      'NIST.800.53.R5-LambdaFunctionPublicAccessProhibited',
    ],
    resource: "function URL's invoke permissions",
    verdict: 'accepted',
    reason:
      'The function URL is public by design: webhook senders have no AWS credentials, so its auth type is NONE, and the two statements let anyone invoke the function through the URL only (lambda:FunctionUrlAuthType NONE, lambda:InvokedViaFunctionUrl). Each delivery is authenticated by its signature before anything is queued, and reserved concurrency caps the function. Profiles that require an access log of every request (pci-dss, hipaa) refuse this front.',
    condition: "with front 'url'",
    targets: (i) => (i.front.kind === 'url' ? i.front.publicInvokePermissions : []),
  },
  {
    rules: ['AwsSolutions-APIG2'],
    resource: 'REST API',
    verdict: 'accepted',
    reason:
      'The request validator requires the providerId path parameter. The body is deliberately not validated by API Gateway: it is opaque signed bytes (JSON, form-encoded, anything a provider sends) that only the Lambda can verify, and a model would refuse valid deliveries.',
    condition: "with front 'rest'",
    targets: restApi,
  },
  {
    rules: stageCache,
    resource: 'API stage',
    verdict: 'accepted',
    reason:
      'A cached response would answer a delivery without verifying, queueing or auditing it, or a handshake without checking it. Every POST and GET must reach the Lambda, so the stage has no cache to encrypt.',
    condition: "with front 'rest'",
    targets: restStage,
  },
  {
    rules: stageClientCertificate,
    resource: 'API stage',
    verdict: 'false_positive',
    reason:
      'A client certificate authenticates API Gateway to an HTTP backend. The only integration is a Lambda proxy, invoked through the Lambda API with IAM, where a certificate is never presented.',
    condition: "with front 'rest'",
    targets: restStage,
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "ingest Lambda role's tracing policy",
    verdict: 'false_positive',
    reason: unscopedTracing,
    condition: 'with tracing',
    targets: (i) => present(i.ingest.policies.tracing),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "audit digest Lambda role's tracing policy",
    verdict: 'false_positive',
    reason: `The same policy as the ingest Lambda's: ${unscopedTracing}`,
    condition: 'with tracing',
    targets: (i) => present(i.digests.policies.tracing),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "source range refresher Lambda role's tracing policy",
    verdict: 'false_positive',
    reason: `The same policy as the ingest Lambda's: ${unscopedTracing}`,
    condition: 'with tracing',
    targets: (i) => present(i.sourceRefresher.policies.tracing),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "self-audit Lambda role's tracing policy",
    verdict: 'false_positive',
    reason: `The same policy as the ingest Lambda's: ${unscopedTracing}`,
    condition: 'with tracing',
    targets: (i) => present(i.selfAudit.policies.tracing),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "ingest Lambda role's network interface policy",
    verdict: 'accepted',
    reason: unscopedNetworkInterfaces,
    condition: 'with VPC placement',
    targets: (i) => present(i.ingest.policies.networkInterfaces),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "audit digest Lambda role's network interface policy",
    verdict: 'accepted',
    reason: `The same policy as the ingest Lambda's, on the same subnets: ${unscopedNetworkInterfaces}`,
    condition: 'with VPC placement',
    targets: (i) => present(i.digests.policies.networkInterfaces),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::*]'],
    resource: "prefix list lookup Lambda role's policy",
    verdict: 'false_positive',
    reason:
      "ec2:DescribeManagedPrefixLists, a read, supports no resource-level permissions: EC2 requires its Resource to be *. The policy holds nothing else but the function's own log streams, so the role can read the region's prefix lists and change nothing.",
    condition: 'with VPC placement',
    targets: (i) => (i.network === undefined ? [] : [i.network.prefixLists.policy]),
  },
  {
    rules: [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
    ],
    resource: 'API Gateway account logging policy',
    verdict: 'accepted',
    reason:
      "The region's API Gateway CloudWatch role is one per account and region and serves every REST API there, so it must reach the region's log groups, not only this stack's. It holds the logs actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs policy, limited to this account and region.",
    condition: "with front 'rest' and manageApiGatewayAccount, the default",
    targets: (i) => {
      const policy =
        i.front.kind === 'rest' ? i.front.node.tryFindChild('AccountLoggingPolicy') : undefined;
      return policy === undefined ? [] : [policy];
    },
  },
  {
    rules: lambdaDlq,
    resource: 'ingest Lambda',
    verdict: 'false_positive',
    reason:
      'Every front (API Gateway or the function URL) invokes the function synchronously, and a dead-letter queue only ever receives failed asynchronous invocations. A failed delivery is answered 5xx and the provider retries it; the accepted ones are on the delivery queue, which has its own dead-letter queue.',
    targets: (i) => [i.ingest.function],
  },
  {
    rules: ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency'],
    resource: 'ingest Lambda',
    verdict: 'accepted',
    reason:
      "Lambda refuses a reservation that would leave the account less than its minimum unreserved concurrency (100 at the default quota), so one fails to deploy in accounts whose quota is still reduced, as new accounts' are (docs/scaling.md); it also takes concurrency from every other function of the account. Without one, the front caps the function: the API stage's throttling (250 requests a second, burst 500, by default). The LambdaThrottles alarm fires on any invocation refused, and ConcurrencyNearLimit when the account's claimed concurrency nears its quota. reservedConcurrency reserves and caps it; front 'url', which has no throttling, always has a reservation.",
    condition: "without reservedConcurrency, the default on fronts 'rest' and 'http'",
    targets: (i) => (i.settings.reservedConcurrency === undefined ? [i.ingest.function] : []),
  },
  {
    rules: lambdaDlq,
    resource: 'audit digest Lambda',
    verdict: 'accepted',
    reason: `EventBridge invokes it asynchronously every ${digestMinutes} minutes with an event that carries nothing but the time, so a dead-letter queue would hold only empty schedule events. A failed run raises its error alarm and Lambda retries it; every run starts from the last digest written, so the next one writes whatever is still due.`,
    targets: (i) => [i.digests.function],
  },
  {
    rules: ['Serverless-EventBusDLQ'],
    resource: "audit digest schedule's target",
    verdict: 'accepted',
    reason: `The target is the digest function, sent a schedule event that carries nothing to replay: an event that is not delivered only delays the digests due until the next run, ${digestMinutes} minutes later, which writes every digest due since the last one written.`,
    targets: (i) => [i.digests.schedule],
  },
  {
    rules: lambdaDlq,
    resource: 'source range refresher Lambda',
    verdict: 'accepted',
    reason:
      "EventBridge invokes it asynchronously once a day with an event that carries nothing but the time, so a dead-letter queue would hold only empty schedule events. A failed run raises its error alarm and Lambda retries it; every run fetches every list again, and `webhooks providers refresh-sources` runs one by hand. A list that could not be used leaves its providers' ranges as they were.",
    targets: (i) => [i.sourceRefresher.function],
  },
  {
    rules: ['Serverless-EventBusDLQ'],
    resource: "source range refresher schedule's target",
    verdict: 'accepted',
    reason:
      "The target is the refresher, sent a schedule event that carries nothing to replay: an event that is not delivered only delays the refresh to the next day's run, and the providers keep the ranges they hold meanwhile.",
    targets: (i) => [i.sourceRefresher.schedule],
  },
  {
    rules: ['Serverless-EventBusDLQ'],
    resource: "KeyChanges rule's target",
    verdict: 'accepted',
    reason:
      'The target is the alarm topic, in this stack and region. EventBridge retries a failed delivery for 24 hours; a notification still lost leaves the change itself on record in CloudTrail (the event history for 90 days, and the trail the rule needs), and a queue for lost notifications would be read by nobody until someone looks there anyway.',
    targets: (i) => [i.keyChanges],
  },
  {
    rules: lambdaDlq,
    resource: 'self-audit Lambda',
    verdict: 'accepted',
    reason:
      "EventBridge Scheduler invokes it asynchronously, daily by default, with an event that carries nothing but the schedule's time, so a dead-letter queue would hold only empty schedule events. A failed run raises its Errors alarm and Lambda retries it; every run audits everything again, and two days without a run raise its NotRunning alarm.",
    targets: (i) => [i.selfAudit.function],
  },
  {
    rules: ['Serverless-LambdaTracing'],
    resource:
      'ingest Lambda, audit digest Lambda, source range refresher Lambda, self-audit Lambda',
    verdict: 'accepted',
    reason: untraced,
    condition: 'without tracing, the default',
    targets: (i) =>
      i.settings.tracing
        ? []
        : [i.ingest.function, i.digests.function, i.sourceRefresher.function, i.selfAudit.function],
  },
  {
    rules: ['Serverless-SQSRedrivePolicy'],
    resource: 'dead-letter queue',
    verdict: 'false_positive',
    reason: `It is the end of the redrive chain: a dead-letter queue of its own would only move the same messages again. Its depth raises an alarm and it keeps messages for ${deadLetterQueue.retentionSeconds / 86_400} days.`,
    targets: (i) => [i.queues.deadLetterQueue],
  },
  {
    rules: bucketLogging,
    resource: 'payload bucket',
    verdict: 'accepted',
    reason: `Only the ingest Lambda writes to it, one object per accepted delivery too large for its message, and that delivery's audit record names the delivery and the body's SHA-256 the object is keyed by; each object lives at most ${payloadBucketDays} days. Server access logs would need a second bucket, which S3 lets use SSE-S3 only, not the customer managed key, and which would keep object keys and requesters longer than the objects. Consumers' reads are theirs to log (CloudTrail data events).`,
    targets: (i) => [i.payloadBucket.bucket],
  },
  {
    rules: bucketReplication,
    resource: 'payload bucket',
    verdict: 'accepted',
    reason: `A body waits here only until its message is consumed, at most ${payloadBucketDays} days, as messages wait on the queue, which has no replica either; S3 already keeps each object across Availability Zones. A copy in another region would be one more place that erasure and the expiry rule must reach (GDPR Art. 5(1)(e), 17).`,
    targets: (i) => [i.payloadBucket.bucket],
  },
  {
    rules: bucketVersioning,
    resource: 'payload bucket',
    verdict: 'accepted',
    reason:
      "A key is only ever written with one body: it ends with the body's SHA-256, so there is no earlier version to recover. Versions would keep erased and expired bodies as noncurrent copies that erasure and the expiry rule would have to chase.",
    targets: (i) => [i.payloadBucket.bucket],
  },
  {
    rules: bucketLogging,
    resource: 'digest bucket',
    verdict: 'accepted',
    reason: `Only the audit digest Lambda writes to it, a digest and its signature every ${digestMinutes} minutes, each a version that Object Lock keeps unchanged in compliance mode for the delivery audit retention: what was written is proved by the digests' signatures and chain, not by a log of the writes. Server access logs would need a second bucket, which S3 lets use SSE-S3 only, not the customer managed key. Auditors' reads are theirs to log (CloudTrail data events).`,
    targets: (i) => [i.digests.bucket],
  },
  {
    rules: bucketReplication,
    resource: 'digest bucket',
    verdict: 'accepted',
    reason:
      "Every digest version is locked in compliance mode for the delivery audit retention, so no one in the account, its root user included, can delete or change it, and S3 keeps it across Availability Zones. A replica needs a bucket in another region, which this one-region stack cannot create; a digest that went missing shows as a break in the chain, as each digest names its predecessor's SHA-256.",
    targets: (i) => [i.digests.bucket],
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::<DigestBucket.Arn>/digests/*]'],
    resource: "audit digest Lambda role's data policy",
    verdict: 'accepted',
    reason:
      "s3:GetObject and s3:PutObject on the digest bucket's `digests/` objects only: each key is derived from the audit table's name and the period's start (`digests/<table>/<yyyy>/<mm>/<dd>/<start>.json` and its `.sig`), so no fixed list can name them. The bucket holds nothing else, and no delete or Object Lock action is granted.",
    targets: (i) => [i.digests.policies.data],
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::<DigestBucket.Arn>/digests/*]'],
    resource: "self-audit Lambda role's data policy",
    verdict: 'accepted',
    reason:
      "s3:GetObject and s3:GetObjectVersion on the digest bucket's `digests/` objects only, to verify the audit trail's digests as `webhooks audit verify` does: each key is derived from the audit table's name and the period's start, so no fixed list can name them. Read only: no put, delete or Object Lock action.",
    targets: (i) => [i.selfAudit.policies.data],
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::<PayloadBucket.Arn>/*]'],
    resource: "ingest Lambda role's data policy",
    verdict: 'accepted',
    reason:
      "s3:PutObject on the payload bucket's objects only: their keys are derived per delivery (`<SHA-256 of provider and delivery id>/<SHA-256 of the body>`), so no fixed list can name them, and the bucket holds nothing else.",
    targets: (i) => [i.ingest.policies.data],
  },
  {
    rules: backupPlan,
    resource: 'registry table, audit table',
    verdict: 'accepted',
    reason:
      'The profiles of the deployment do not require a backup plan (pci-dss and hipaa do): both tables have point-in-time recovery (35 days, to the second) and deletion protection. An AWS Backup copy would outlive the TTL by its own retention, and `webhooks audit erase` does not reach copies, so audit records and their personal data would be kept past the retention the profiles set (GDPR Art. 5(1)(e)).',
    condition: 'without a backup plan: baseline, gdpr and ccpa',
    targets: (i) => (i.backups === undefined ? [i.registryTable, i.auditTable] : []),
  },
  {
    rules: backupPlan,
    resource: 'consumer table',
    verdict: 'accepted',
    reason:
      'It records which deliveries the consumer has run, to run each once, not evidence of what was received, and its items expire by TTL. Point-in-time recovery (35 days) and deletion protection cover it, and the deliveries themselves are in the audit table, which pci-dss and hipaa back up.',
    condition: 'with a consumer (addConsumer)',
    targets: (i) => (i.consumer === undefined ? [] : [i.consumer.table]),
  },
  {
    rules: ['AwsSolutions-IAM5[Resource::<PayloadBucket.Arn>/*]'],
    resource: "consumer's policy, eraser's policy",
    verdict: 'accepted',
    reason:
      "s3:GetObject on the payload bucket's objects only, to fetch a body too large for its message (a consumer), or s3:DeleteObject on them only, to delete an erased delivery's bodies (an eraser): each object's key is derived per delivery (the message that points to it names it; erasure lists a delivery's prefix), so no fixed list can name them, and the bucket holds nothing else.",
    condition: 'with a consumer (addConsumer or grantConsumeDeliveries), or grantEraseSubjects',
    targets: (i) => [
      ...(i.consumer === undefined ? [] : [i.consumer.policy]),
      ...(i.grantPolicies?.consumeDeliveries === undefined
        ? []
        : [i.grantPolicies.consumeDeliveries]),
      ...(i.grantPolicies?.eraseSubjects === undefined ? [] : [i.grantPolicies.eraseSubjects]),
    ],
  },
  {
    rules: ['Serverless-LambdaEventSourceMappingDestination'],
    resource: "consumer's event source mapping",
    verdict: 'false_positive',
    reason: `Lambda supports an on-failure destination only for stream and Kafka sources, not SQS. A message that keeps failing goes, after ${deliveryQueue.maxReceiveCount} receives, to the delivery queue's dead-letter queue through its redrive policy, which raises an alarm.`,
    condition: 'with a consumer (addConsumer)',
    targets: (i) => (i.consumer === undefined ? [] : [i.consumer.eventSource]),
  },
  {
    rules: ['Serverless-SNSRedrivePolicy'],
    resource: 'alarm e-mail subscription',
    verdict: 'accepted',
    reason:
      "SNS retries e-mail deliveries itself, and a dead-letter queue of alarm e-mails would hold notifications no one reads; the alarms' state stays on the dashboard and in CloudWatch.",
    condition: 'with an alarm e-mail',
    targets: (i) =>
      i.alarmTopic.emailSubscription === undefined ? [] : [i.alarmTopic.emailSubscription],
  },
  {
    rules: lambdaInVpc,
    resource: 'ingest Lambda, audit digest Lambda',
    verdict: 'accepted',
    reason:
      'The chosen profiles do not require network isolation: the functions only call AWS APIs (DynamoDB, SQS, S3, KMS) over TLS with IAM authorization and serve no inbound connections. pci-dss and hipaa turn VPC placement on, and vpcPlacement turns it on for any profile.',
    condition: 'without VPC placement: baseline, gdpr and ccpa by default',
    targets: (i) => (i.network === undefined ? [i.ingest.function, i.digests.function] : []),
  },
  {
    rules: lambdaInVpc,
    resource: 'source range refresher Lambda',
    verdict: 'accepted',
    reason:
      "It fetches the providers' published source lists from their HTTPS URLs on the internet once a day, which the deployment's isolated subnets (no NAT, no internet gateway, endpoints only for what the ingest function calls) cannot reach; it serves no inbound connection. It handles no delivery, audit field or provider key: its role may read registry items and put them back conditional on their revision (the keys stay ciphertexts only the ingest role may decrypt), and put admin records in the admin partition, sealed under the operator's context. A list is stored only once validated (no range wider than an IPv4 /8 or IPv6 /24, never empty), and a delivery from an allowed address must still carry a valid signature.",
    targets: (i) => [i.sourceRefresher.function],
  },
  {
    rules: lambdaInVpc,
    resource: 'self-audit Lambda',
    verdict: 'accepted',
    reason:
      "It reads this stack through the CloudFormation API (GetTemplate, DescribeStacks), which the deployment's isolated subnets (no NAT, no internet gateway, endpoints only for what the ingest function calls) cannot reach; it serves no inbound connection. It handles no delivery body, header or provider secret: its role may read this stack's template and outputs, describe its tables, keys and queues and read their policies, scan the registry (the provider keys stay ciphertexts only the ingest role may decrypt), read the audit trail, its seals and its digests as `webhooks audit verify` does, and put new items in two partitions only, its run record and the admin record naming it, sealed under the operator's context.",
    targets: (i) => [i.selfAudit.function],
  },
  {
    rules: lambdaInVpc,
    resource: 'compliance profile guard Lambda',
    verdict: 'accepted',
    reason:
      "It runs only while CloudFormation creates, updates or deletes the stack, to compare the deploy's compliance profiles with the stack's: it handles no delivery, record or key, and may only call cloudformation:DescribeStacks on this stack and write its own log group. It answers CloudFormation at the request's pre-signed S3 URL and reads the stack through the CloudFormation API, which the isolated subnets (no NAT, no internet gateway, endpoints only for what the ingest function calls) cannot reach.",
    targets: (i) => [i.profileGuard.function],
  },
  {
    rules: lambdaDlq,
    resource: 'compliance profile guard Lambda',
    verdict: 'accepted',
    reason: `CloudFormation invokes it for one stack operation and waits for its answer at the request's pre-signed URL for ${profileGuardTimeoutSeconds / 60} minutes at most (the resource's ServiceTimeout), then fails the resource and rolls the update back. A request kept in a dead-letter queue could no longer be answered: the operation it belongs to has ended.`,
    targets: (i) => [i.profileGuard.function],
  },
  {
    rules: lambdaInVpc,
    resource: 'prefix list lookup Lambda',
    verdict: 'accepted',
    reason:
      "It runs only while CloudFormation creates or updates the stack, to read the ids of the region's DynamoDB and S3 prefix lists, which the functions' security group lets HTTPS out to: it handles no delivery, record or key, and may only call ec2:DescribeManagedPrefixLists and write its own log group. It calls the EC2 API and answers CloudFormation at the request's pre-signed S3 URL, which the isolated subnets (no NAT, no internet gateway, endpoints only for what the functions call) cannot reach.",
    condition: 'with VPC placement: pci-dss and hipaa, or vpcPlacement',
    targets: (i) => (i.network === undefined ? [] : [i.network.prefixLists.function]),
  },
  {
    rules: lambdaDlq,
    resource: 'prefix list lookup Lambda',
    verdict: 'accepted',
    reason:
      "CloudFormation invokes it for one stack operation and waits for its answer at the request's pre-signed URL (2 minutes at most, the resource's ServiceTimeout), then fails the resource and rolls the operation back. A request kept in a dead-letter queue could no longer be answered: the operation it belongs to has ended.",
    condition: 'with VPC placement: pci-dss and hipaa, or vpcPlacement',
    targets: (i) => (i.network === undefined ? [] : [i.network.prefixLists.function]),
  },
  {
    rules: ['Serverless-LambdaTracing'],
    resource: 'prefix list lookup Lambda',
    verdict: 'accepted',
    reason:
      'It runs once per stack operation that changes its properties, for about a second, and never during deliveries: its JSON log line per request and the stack events record every answer, and tracing it would add a policy of X-Ray actions that take no resource.',
    condition: 'with VPC placement: pci-dss and hipaa, or vpcPlacement',
    targets: (i) => (i.network === undefined ? [] : [i.network.prefixLists.function]),
  },
  {
    rules: ['Serverless-LambdaTracing'],
    resource: 'compliance profile guard Lambda',
    verdict: 'accepted',
    reason:
      'It runs once per stack operation that changes its properties, for about a second, and never during deliveries: its JSON log line per request and the stack events record every decision, and tracing it would add a policy of X-Ray actions that take no resource.',
    targets: (i) => [i.profileGuard.function],
  },
  {
    rules: stageWaf,
    resource: 'API stage',
    verdict: 'accepted',
    reason:
      'No profile of the deployment requires a WAF and none was asked for (waf: true); the REST front was chosen for what else it offers. Every delivery is still authenticated by its signature, and stage throttling caps the request rate.',
    condition: "with front 'rest' and no WAF",
    targets: (i) => (i.webAcl === undefined ? restStage(i) : []),
  },
  {
    rules: xrayStage,
    resource: 'API stage',
    verdict: 'accepted',
    reason: untraced,
    condition: "with front 'rest' and no tracing",
    targets: (i) => (i.settings.tracing ? [] : restStage(i)),
  },
  {
    rules: [guardRule('lambda_function_public_access_prohibited_check')],
    resource: "invoke permissions of the API's webhook methods or routes",
    verdict: 'false_positive',
    reason:
      "Each permission names API Gateway's service principal, not the public, and lets it invoke the function only for this API's route: its SourceArn is the route's execute-api ARN, which CDK builds with Fn::Join from the API's id, and the rule accepts only a literal or a plain reference there. No account, role or anonymous principal is named.",
    condition: "with front 'rest' or 'http'",
    targets: (i) => (i.front.kind === 'http' ? [...i.front.routes] : restWebhookMethods(i)),
  },
  {
    rules: [guardRule('lambda_inside_vpc_check')],
    resource: "CDK's default security group restriction Lambda",
    verdict: 'accepted',
    reason:
      "CDK's custom resource behind restrictDefaultSecurityGroup: it runs only while CloudFormation creates or updates the VPC, to remove every rule from the VPC's default security group, may only authorize and revoke that group's rules, and handles no delivery, record or key. It calls the EC2 API, for which the isolated subnets have no endpoint (only what the functions call).",
    condition: 'with VPC placement: pci-dss and hipaa, or vpcPlacement',
    targets: defaultGroupRestriction,
  },
  {
    rules: [guardRule('cloudwatch_log_group_retention_period_check')],
    resource: 'log groups',
    verdict: 'accepted',
    reason: `The deployment's profiles keep logs fewer than ${guardLogRetentionDays} days by choice: gdpr 30 days for storage limitation (GDPR Art. 5(1)(e)), baseline and ccpa 90 days. The record of every delivery is its audit record, kept for the profiles' audit retention, not the log line. logRetentionDays sets a longer period; pci-dss (400 days) and hipaa (2,192) keep more than ${guardLogRetentionDays}.`,
    condition: `with logRetentionDays under ${guardLogRetentionDays}: baseline, gdpr and ccpa by default`,
    targets: shortLivedLogGroups,
  },
  {
    rules: [guardRule('s3_bucket_object_lock_enabled_check')],
    resource: 'payload bucket',
    verdict: 'accepted',
    reason: `A body waits here only until its message is consumed, at most ${payloadBucketDays} days, and must then go: Object Lock would keep it from the expiry rule and from \`webhooks audit erase\` (GDPR Art. 17). What is kept as evidence, the audit trail's digests, is in the digest bucket, which is locked.`,
    targets: (i) => [i.payloadBucket.bucket],
  },
  {
    rules: [guardRule('s3_event_notifications_enabled_check')],
    resource: 'payload bucket, digest bucket',
    verdict: 'accepted',
    reason:
      'Nothing acts on a new object: a payload object is fetched by the consumer its queue message points to, and a digest is read by `webhooks audit verify`. A notification would have no subscriber; object writes are in CloudTrail data events for whoever audits them.',
    targets: (i) => [i.payloadBucket.bucket, i.digests.bucket],
  },
  {
    rules: bucketLogging,
    resource: 'access trail bucket',
    verdict: 'accepted',
    reason:
      "The trail logs every read of this bucket's files itself, with the caller's identity, which is what server access logs would add (a data event selector for reads of its objects; its writes are CloudTrail's own deliveries, which would log themselves in a loop). Each file is covered by the hourly signed digest files of log file validation and locked in compliance mode for the log retention. Server access logs would need a second bucket, which S3 lets use SSE-S3 only, not a customer managed key, and never under Object Lock.",
    condition: 'with the access trail: pci-dss and hipaa, or accessTrail',
    targets: (i) => (i.accessTrail === undefined ? [] : [i.accessTrail.bucket]),
  },
  {
    rules: bucketReplication,
    resource: 'access trail bucket',
    verdict: 'accepted',
    reason:
      "Every file version is locked in compliance mode for the log retention, so no one in the account, its root user included, can delete or change it, S3 keeps it across Availability Zones, and the signed digest files of log file validation show any file missing or changed. A replica needs a bucket in another region, which this one-region stack cannot create; an organization trail, where the account has one, keeps the account's management events in its own log archive.",
    condition: 'with the access trail: pci-dss and hipaa, or accessTrail',
    targets: (i) => (i.accessTrail === undefined ? [] : [i.accessTrail.bucket]),
  },
  {
    rules: [guardRule('s3_event_notifications_enabled_check')],
    resource: 'access trail bucket',
    verdict: 'accepted',
    reason:
      "Nothing acts on a new trail file: CloudTrail delivers it, and an auditor reads it where it lies (Athena, `aws cloudtrail validate-logs`). The same events reach the trail's log group, where Logs Insights queries and metric filters read them as they arrive.",
    condition: 'with the access trail: pci-dss and hipaa, or accessTrail',
    targets: (i) => (i.accessTrail === undefined ? [] : [i.accessTrail.bucket]),
  },
];

/**
 * Records every acknowledgement that applies to this deployment on its resources; with
 * `within`, only on the resources under it (what was added after the construct was built).
 */
export function applyAcknowledgements(
  ingestion: AcknowledgedConstructs,
  within?: IConstruct,
): void {
  const inside = (target: IConstruct) =>
    within === undefined || target.node.scopes.includes(within);
  for (const { rules, reason, targets } of acknowledgements) {
    for (const target of targets(ingestion).filter(inside)) {
      for (const rule of rules) {
        const id = forInstance(rule, ingestion.instanceNames?.logicalIdPrefix ?? '');
        Validations.of(target).acknowledge({ id, reason });
      }
    }
  }
}
