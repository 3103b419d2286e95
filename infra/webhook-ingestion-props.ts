/**
 * The props of the WebhookIngestion construct (webhook-ingestion.ts), in a file of their own so
 * that settings.ts, which resolves them, and context.ts, which reads them from CDK context,
 * depend on the props and not on the construct that uses their result.
 */

import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { ComplianceProfileName } from '../compliance/profiles.ts';
import type { RetentionClassName } from '../functions/config/retention.ts';
import type { CustomDomainOptions } from './custom-domain.ts';
import type { IngestFrontName, StageThrottling } from './front.ts';
import type { IngestArchitecture } from './ingest-function.ts';
import type { KeyCustodians, KeyGuardOptions } from './key-custodians.ts';
import type { IngestAlarmThresholds } from './observability/alarm-thresholds.ts';
import type { DeliveryQueueOptions } from './queues.ts';
import type { SelfAuditOptions } from './self-audit.ts';

/** Whether deleting the stack keeps its data (`retain`) or deletes it too (`destroy`). */
export type DataRemovalPolicy = 'retain' | 'destroy';

/** Retention per record class, each at least as strict as the profiles ask. */
export interface RetentionOverrides {
  /**
   * The retention class whose audit days every delivery audit record keeps at least.
   * @default - the longest the profiles ask for
   */
  readonly deliveryAudit?: RetentionClassName;
  /**
   * The retention class whose payload days cap every redacted payload copy.
   * @default - the shortest the profiles allow
   */
  readonly payloadCopies?: RetentionClassName;
}

export interface WebhookIngestionProps {
  /**
   * The compliance profiles the deployment follows; several combine to the strictest of each.
   * @default ['baseline']
   */
  readonly complianceProfiles?: readonly ComplianceProfileName[];
  /**
   * Lets this deploy drop compliance profiles the deployed stack follows. Without it, the stack's
   * compliance profile guard (infra/profile-guard.ts) fails such an update, naming what it would
   * drop, and CloudFormation rolls it back. Set it for the one deploy that drops them.
   * @default false
   */
  readonly allowProfileDowngrade?: boolean;
  /**
   * Retention per record class; each may be stricter than the profiles, never looser.
   * @default - what the profiles ask
   */
  readonly retention?: RetentionOverrides;
  /**
   * Days every log group keeps its events; one of CloudWatch's periods, at least the profiles'.
   * @default - the longest the profiles ask for
   */
  readonly logRetentionDays?: number;
  /**
   * What receives the deliveries (infra/front.ts): an API Gateway REST API (`rest`), the only
   * front a WAF can be associated with; an HTTP API (`http`); or a Lambda function URL (`url`),
   * which profiles that require an access log of every request (pci-dss, hipaa) refuse.
   * @default - 'rest' when the WAF is on, else 'http'
   */
  readonly front?: IngestFrontName;
  /**
   * A custom domain for the webhook URL (infra/custom-domain.ts, docs/construct.md): providers
   * are given `https://<domainName>/v1/webhooks/{providerId}`, which outlives the stack, its
   * region and its front. A domain name with an ACM certificate of the stack's region, or a
   * Route 53 hosted zone the construct makes the certificate and the A and AAAA records in.
   * The API's default execute-api endpoint is turned off, so the domain is its only address.
   * Fronts `rest` and `http` only: front `url` refuses it.
   * @default - the front's own URL
   */
  readonly customDomain?: CustomDomainOptions;
  /**
   * A WAF web ACL in front of the API (front `rest` only). Profiles that require one (pci-dss)
   * refuse `false`.
   * @default - on when a profile requires it
   */
  readonly waf?: boolean;
  /**
   * X-Ray tracing of the ingest Lambda (and of the stage, on front `rest`). No profile requires
   * it: the audit table records every attempt, where X-Ray samples (the first request each
   * second, then 5 %) and is priced per trace.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Requests one source address may send in any five minutes before WAF answers 429.
   * @default 20000
   */
  readonly wafRateLimitPerFiveMinutes?: number;
  /**
   * The static version a versioned AWS managed rule group of the WAF runs, in place of the one
   * pinned in infra/waf.ts (`pinnedRuleGroupVersions`): AWS's next version is taken only when
   * chosen here or there. docs/compliance.md says how to move one.
   * @default - the pinned versions
   * @example { AWSManagedRulesCommonRuleSet: 'Version_1.20' }
   */
  readonly wafRuleGroupVersions?: Partial<
    Record<import('./waf.ts').VersionedRuleGroupName, string>
  >;
  /**
   * Request headers a provider of this deployment sends a credential in, beyond those the
   * scheme catalog names (infra/credential-headers.ts): the `header` a `static` or `hmac`
   * provider configures. The WAF redacts them with the catalog's, the `CredentialHeaders`
   * output lists them all, and `webhooks providers add` refuses a provider whose credential
   * header is not among them.
   * @default - none: the catalog's only
   * @example ['X-Webhook-Key']
   */
  readonly credentialHeaders?: readonly string[];
  /**
   * The ingest Lambda in a VPC of isolated subnets with endpoints for DynamoDB, SQS and KMS.
   * Profiles that require it (pci-dss, hipaa) refuse `false`.
   * @default - on when a profile requires it
   */
  readonly vpcPlacement?: boolean;
  /**
   * Your VPC for the functions, in place of the one of isolated subnets the construct creates:
   * the security groups, the endpoints (DynamoDB, S3, SQS, KMS, each limited to this
   * deployment's resources) and a flow log per selected subnet are created in it
   * (docs/construct.md). Turns `vpcPlacement` on.
   * @default - a VPC of the construct's own, when `vpcPlacement` is on
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` the functions run in: never public ones, and under pci-dss or hipaa
   * ones `vpc` knows to be isolated or private, the refusal naming the control.
   * @default - `vpc`'s isolated subnets, else its private ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * A CloudTrail trail of every access to the deployment's data (infra/access-trail.ts): data
   * events for the audit and registry tables, the delivery and dead-letter queues and the digest
   * and payload buckets, and the region's management events, KMS's Decrypt and GenerateDataKey
   * on the stack's keys among them; delivered, with log file validation, to a bucket of its own
   * under a key of its own and Object Lock for `logRetentionDays`. Data events are billed per
   * event and a second copy of management events per event too (docs/cost.md). Profiles that
   * require it (pci-dss, hipaa) refuse `false`.
   * @default - on when a profile requires it
   */
  readonly accessTrail?: boolean;
  /**
   * Concurrent executions reserved for the ingest Lambda, which also caps it. Lambda refuses a
   * reservation that would leave the account less than its minimum unreserved (100 at the
   * default quota of 1,000), so one fails to deploy in accounts whose quota is still reduced, as
   * new accounts' are: by default the function reserves none and scales within the account's
   * unreserved concurrency, capped by the stage's throttling.
   * Front `url`, which has no other cap, reserves 25 unless told otherwise (docs/scaling.md).
   * @default - none; 25 on front `url`
   */
  readonly reservedConcurrency?: number;
  /**
   * Write units a second the audit table and each of its indexes take at once, without
   * waiting for on-demand capacity to grow: set it before a known burst (a sale), from the
   * write units per delivery in docs/scaling.md. DynamoDB bills pre-warming once. At least
   * 4,000, which a new on-demand table takes anyway.
   * @default - not pre-warmed
   */
  readonly auditWarmWriteUnitsPerSecond?: number;
  /**
   * The API stage's steady request rate per second and burst (fronts `rest` and `http`; front
   * `url` refuses it: only `reservedConcurrency` caps a function URL).
   * @default { rateLimit: 250, burstLimit: 500 }
   */
  readonly throttling?: Partial<StageThrottling>;
  /**
   * What `cdk destroy` does to the data (docs/teardown.md). `retain` keeps the tables, the
   * payload bucket, every log group and the keys, protected from deletion. `destroy`, for a
   * development stack, deletes them with it: the tables, the log groups, the payload bucket
   * with its objects, the keys after KMS's shortest wait (7 days). The digest bucket is kept
   * either way: Object Lock forbids emptying it before its digests' days are up. Only the
   * baseline profile allows `destroy`: every other profile keeps its records for a retention.
   * @default 'retain'
   */
  readonly removalPolicy?: DataRemovalPolicy;
  /**
   * When the alarms fire, each threshold with its default; `false` turns an alarm off, and
   * `quietProviders` adds one per provider expected to deliver regularly. docs/operations.md
   * lists every alarm with its runbook line.
   * @default - every threshold's default (alarmDefaults in infra/observability/alarm-thresholds.ts)
   */
  readonly alarms?: IngestAlarmThresholds;
  /**
   * An address the alarm topic e-mails; SNS asks it to confirm first. Every profile but
   * baseline requires an alarm destination, this or `alarmTopic`: synthesis fails without one,
   * since alarms nobody receives detect nothing.
   * @default - no subscription: baseline only
   */
  readonly alarmEmail?: string;
  /**
   * Your SNS topic for the alarms, in place of the encrypted, TLS-only one the construct
   * creates; `alarmEmail` subscribes to it. It is an alarm destination of its own (its
   * subscribers are yours), which every profile but baseline requires, this or `alarmEmail`.
   * Under profiles whose controls require every topic to refuse plain HTTP (pci-dss, hipaa,
   * gdpr) set `alarmTopicEncryptedAndTlsOnly` too.
   * @default - a topic of the construct's own
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * States that `alarmTopic` is encrypted with a KMS key CloudWatch may use and that its policy
   * denies requests without TLS, which synthesis cannot see on a topic of another stack.
   * @default false
   */
  readonly alarmTopicEncryptedAndTlsOnly?: boolean;
  /**
   * The CloudWatch dashboard's name: letters, digits, `-` and `_`, at most 255.
   * @default - `<stack name>-audit`
   */
  readonly dashboardName?: string;
  /**
   * The ingest function's memory, which also sets its CPU share: 256 to 10,240 MiB.
   * @default 512
   */
  readonly ingestMemoryMiB?: number;
  /**
   * The ingest function's instruction set; its bundle is plain JavaScript and runs on either.
   * @default 'arm64'
   */
  readonly ingestArchitecture?: IngestArchitecture;
  /**
   * The delivery queue's retention, visibility timeout and receives before the dead-letter
   * queue, each within SQS's limits (infra/queues.ts).
   * @default - 14 days, 5 minutes, 5 receives
   */
  readonly deliveryQueue?: DeliveryQueueOptions;
  /**
   * Set the region's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`), which a REST
   * API's execution and access logging need (front `rest` only). It is one per account and
   * region, so exactly one stack there may set it: by default the unnamed instance, which is
   * itself one per account and region (its key aliases are fixed). Give it to one named
   * instance where there is no unnamed one; an app in which two instances would set it fails.
   * @default - true for the unnamed instance, false for a named one
   */
  readonly manageApiGatewayAccount?: boolean;
  /**
   * Tells this instance apart from the others in its stack and in the account and region: its
   * output keys and its queues' and buckets' logical ids start with it (`--instance` in the
   * CLI), and its key aliases, web ACL and WAF log group, metric namespace and dashboard are
   * named after its stack and it. Without it the instance keeps the names a deployment had
   * before instances existed, so one app holds at most one unnamed instance, and an account
   * and region at most one (its key aliases are fixed).
   * @default - the unnamed instance
   * @example 'Payments'
   */
  readonly instanceName?: string;
  /**
   * The scheduled self-audit's schedule, thresholds and optional AWS Config rules
   * (`SelfAuditOptions`); the self-audit itself is always deployed.
   * @default - daily at 05:00 UTC, the profiles' cryptoperiod, 30 idle days, no Config rules
   */
  readonly selfAudit?: SelfAuditOptions;
  /**
   * Every customer managed key's policy denies disabling the key, scheduling its deletion and
   * turning its rotation off to every principal but `breakGlassRoleArn` (infra/key-guard.ts).
   * Administrators who may rewrite a key policy can still remove the guard first; the KeyChanges
   * rule notifies the alarm topic of that (docs/security.md, "Key custodians and the key guard").
   * `removalPolicy: 'destroy'` refuses it: the stack's deletion deletes the keys.
   * @default - no guard: the account's key administrators, as IAM allows them, may disable and
   * delete the keys
   */
  readonly keyGuard?: KeyGuardOptions;
  /**
   * The roles the key policies name as the only ones that may decrypt audit fields
   * (`auditorRoleArns`) and deliveries (`consumerRoleArns`), in place of every principal of the
   * account whose IAM policy allows it (infra/key-custodians.ts). `grantReadPayloadCopies` and
   * `grantConsumeDeliveries` then refuse a grantee not named.
   * @default - none named: IAM outside the stack decides who decrypts
   */
  readonly keyCustodians?: KeyCustodians;
}
