/**
 * The props of the WebhookIngestion construct (webhook-ingestion.ts), in a file of their own so
 * that settings.ts, which resolves them, and context.ts, which reads them from CDK context,
 * depend on the props and not on the construct that uses their result.
 */

import type { ComplianceProfileName } from '../compliance/profiles.ts';
import type { RetentionClassName } from '../functions/config/retention.ts';
import type { IngestFrontName, StageThrottling } from './front.ts';
import type { IngestAlarmThresholds } from './observability/alarm-thresholds.ts';

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
   * An address the alarm topic e-mails; SNS asks it to confirm first.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Set the region's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`), which a REST
   * API's execution and access logging need (front `rest` only). Turn off when another stack
   * already manages it.
   * @default true
   */
  readonly manageApiGatewayAccount?: boolean;
}
