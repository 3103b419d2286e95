/**
 * From the construct's props to the settings it deploys: the compliance profiles give the
 * minimums, the operator may go stricter but never looser. Every problem is reported at once,
 * each naming the value received and the profile it conflicts with.
 */
import {
  type ComplianceProfileName,
  type ComplianceRequirements,
  combineProfiles,
  complianceProfiles,
  defaultComplianceProfiles,
} from '../compliance/profiles.ts';
import { type RetentionClassName, retentionClasses } from '../functions/config/retention.ts';
import type { AccessLogDetail } from './access-log-format.ts';
import { alarmDestinationProblems, alarmTopicProblems } from './alarm-topic.ts';
import { resolveCredentialHeaders } from './credential-headers.ts';
import type { IngestFrontName, StageThrottling } from './front.ts';
import {
  type IngestArchitecture,
  ingestFunctionDefaults,
  ingestFunctionProblems,
} from './ingest-function.ts';
import { keyCustodianProblems } from './key-custodians.ts';
import { keyGuardProblems } from './key-guard.ts';
import { logRetentionDayValues } from './log-groups.ts';
import { userVpcProblems } from './network.ts';
import { alarmThresholdProblems } from './observability/alarm-thresholds.ts';
import { dashboardNameProblems } from './observability/index.ts';
import { type DeliveryQueueSettings, resolveDeliveryQueue } from './queues.ts';
import { resolveSelfAudit, type SelfAuditSettings } from './self-audit.ts';
import { resolveRuleGroupVersions, type VersionedRuleGroupName } from './waf.ts';
import type { DataRemovalPolicy, WebhookIngestionProps } from './webhook-ingestion-props.ts';

/**
 * The props of WebhookIngestion that settle what it deploys, each documented in
 * webhook-ingestion-props.ts.
 */
export type DeploymentChoices = Omit<WebhookIngestionProps, 'manageApiGatewayAccount'>;

/** What the construct deploys. */
export interface DeploymentSettings {
  readonly profiles: readonly ComplianceProfileName[];
  /** The profiles' combined minimums, for reports. */
  readonly requirements: ComplianceRequirements;
  readonly deliveryAuditFloor: RetentionClassName;
  readonly payloadCopyCeiling: RetentionClassName;
  readonly logRetentionDays: number;
  readonly front: IngestFrontName;
  /** What the front's access log line holds (no access log on a function URL). */
  readonly accessLogDetail: AccessLogDetail;
  readonly waf: boolean;
  readonly tracing: boolean;
  readonly vpcPlacement: boolean;
  /**
   * The audit and registry tables are backed up to a locked vault for as long as delivery audit
   * records are kept (infra/backup.ts): on when a profile requires it, never turned off.
   */
  readonly backupPlan: boolean;
  /**
   * A CloudTrail trail records every read and write of the tables, queues and buckets and every
   * use of the keys (infra/access-trail.ts): on when a profile requires it, or when asked.
   */
  readonly accessTrail: boolean;
  /**
   * The ingest function's reserved concurrency: none by default, so that the stack deploys in
   * accounts with a small concurrency quota; front `url`, which no stage throttles, has one.
   * @default - none: the function scales within the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  readonly throttling: StageThrottling;
  readonly wafRateLimitPerFiveMinutes: number;
  /** The version each versioned managed rule group of the WAF runs (infra/waf.ts). */
  readonly wafRuleGroupVersions: Readonly<Record<VersionedRuleGroupName, string>>;
  /** The catalog's credential headers and the declared ones, in lower case. */
  readonly credentialHeaders: readonly string[];
  /** @default - not pre-warmed */
  readonly auditWarmWriteUnitsPerSecond?: number;
  /** What deleting the stack does to its data: `destroy` on baseline only (docs/teardown.md). */
  readonly removalPolicy: DataRemovalPolicy;
  /** The ingest function's memory and instruction set (infra/ingest-function.ts). */
  readonly ingestMemoryMiB: number;
  readonly ingestArchitecture: IngestArchitecture;
  /** The delivery queue's retention, visibility timeout and receives (infra/queues.ts). */
  readonly deliveryQueue: DeliveryQueueSettings;
  /** @default - `<stack name>-audit` */
  readonly dashboardName?: string;
  /**
   * The scheduled self-audit (infra/self-audit.ts): its schedule, the key cryptoperiod (the
   * shortest the profiles allow, or shorter), the idle days, and whether AWS Config rules are on.
   */
  readonly selfAudit: SelfAuditSettings;
}

/** Defaults for the capacity settings no profile decides. */
export const capacityDefaults = {
  /**
   * Front `url` only: a function URL has no stage throttle, so its reservation is its one cap
   * (docs/scaling.md). The other fronts reserve none unless asked.
   */
  functionUrlReservedConcurrency: 25,
  throttling: { rateLimit: 250, burstLimit: 500 },
  wafRateLimitPerFiveMinutes: 20_000,
} as const;

/** The props were inconsistent with the profiles or with the services' limits. */
export class DeploymentSettingsError extends Error {
  override readonly name = 'DeploymentSettingsError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid webhook-ingestion settings:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/** Resolves the operator's choices against the compliance profiles. */
export function resolveSettings(choices: DeploymentChoices): DeploymentSettings {
  const profiles = [...new Set(choices.complianceProfiles ?? defaultComplianceProfiles)];
  const problems: string[] = [];
  if (profiles.length === 0) problems.push('complianceProfiles must name at least one profile');
  const requirements = combineProfiles(
    profiles.length === 0 ? defaultComplianceProfiles : profiles,
  );
  const strictest = (field: keyof ComplianceRequirements) =>
    profiles.filter((name) => complianceProfiles[name][field] === requirements[field]).join(', ');

  const deliveryAuditFloor = choices.retention?.deliveryAudit ?? requirements.deliveryAuditFloor;
  if (
    retentionClasses[deliveryAuditFloor].auditDays <
    retentionClasses[requirements.deliveryAuditFloor].auditDays
  ) {
    problems.push(
      `retention.deliveryAudit '${deliveryAuditFloor}' keeps fewer audit days than '${requirements.deliveryAuditFloor}', which ${strictest('deliveryAuditFloor')} requires`,
    );
  }
  const payloadCopyCeiling = choices.retention?.payloadCopies ?? requirements.payloadCopyCeiling;
  if (
    retentionClasses[payloadCopyCeiling].payloadDays >
    retentionClasses[requirements.payloadCopyCeiling].payloadDays
  ) {
    problems.push(
      `retention.payloadCopies '${payloadCopyCeiling}' keeps payload copies longer than '${requirements.payloadCopyCeiling}', which ${strictest('payloadCopyCeiling')} allows`,
    );
  }
  const logRetentionDays = choices.logRetentionDays ?? requirements.logRetentionDays;
  if (logRetentionDays < requirements.logRetentionDays) {
    problems.push(
      `logRetentionDays ${logRetentionDays} is shorter than the ${requirements.logRetentionDays} days ${strictest('logRetentionDays')} requires`,
    );
  }
  if (!logRetentionDayValues.includes(logRetentionDays)) {
    problems.push(
      `logRetentionDays must be one of CloudWatch's periods (${logRetentionDayValues.join(', ')}), got ${logRetentionDays}`,
    );
  }
  const waf = choices.waf ?? requirements.wafRequired;
  if (!waf && requirements.wafRequired) {
    problems.push(`waf cannot be turned off: ${strictest('wafRequired')} requires a WAF`);
  }
  // A web ACL can be associated with a REST API stage only, so a WAF decides the front.
  const front = choices.front ?? (waf ? 'rest' : 'http');
  problems.push(...frontProblems(front, waf, choices.waf === true, requirements, strictest));
  if (front === 'url' && choices.throttling !== undefined) {
    problems.push(
      "throttling applies to an API Gateway stage, and front 'url' has none: reservedConcurrency caps it",
    );
  }
  const tracing = choices.tracing ?? false;
  const vpcPlacement =
    choices.vpcPlacement ?? (choices.vpc !== undefined || requirements.vpcPlacementRequired);
  if (!vpcPlacement && requirements.vpcPlacementRequired) {
    problems.push(
      `vpcPlacement cannot be turned off: ${strictest('vpcPlacementRequired')} requires the Lambda in a VPC`,
    );
  }
  const accessTrail = choices.accessTrail ?? requirements.accessTrailRequired;
  if (!accessTrail && requirements.accessTrailRequired) {
    problems.push(
      `accessTrail cannot be turned off: ${strictest('accessTrailRequired')} requires a CloudTrail trail of every access to the audit trail, the queues and the keys (PCI DSS 10.2.1, HIPAA §164.312(b))`,
    );
  }
  const reservedConcurrency =
    choices.reservedConcurrency ??
    (front === 'url' ? capacityDefaults.functionUrlReservedConcurrency : undefined);
  const throttling = { ...capacityDefaults.throttling, ...choices.throttling };
  const wafRateLimitPerFiveMinutes =
    choices.wafRateLimitPerFiveMinutes ?? capacityDefaults.wafRateLimitPerFiveMinutes;
  problems.push(
    ...positiveIntegers({
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
      'throttling.rateLimit': throttling.rateLimit,
      'throttling.burstLimit': throttling.burstLimit,
    }),
  );
  // WAF's rate-based rules accept 10 to 2,000,000,000 requests per evaluation window.
  if (
    !Number.isInteger(wafRateLimitPerFiveMinutes) ||
    wafRateLimitPerFiveMinutes < 10 ||
    wafRateLimitPerFiveMinutes > 2_000_000_000
  ) {
    problems.push(
      `wafRateLimitPerFiveMinutes must be an integer from 10 to 2000000000, got ${wafRateLimitPerFiveMinutes}`,
    );
  }
  const ruleGroups = resolveRuleGroupVersions(choices.wafRuleGroupVersions, waf);
  const credentials = resolveCredentialHeaders(choices.credentialHeaders);
  problems.push(...ruleGroups.problems, ...credentials.problems);
  const warm = choices.auditWarmWriteUnitsPerSecond;
  // A new on-demand table takes 4,000 write units a second at once: less pre-warms nothing.
  if (warm !== undefined && (!Number.isInteger(warm) || warm < 4_000)) {
    problems.push(`auditWarmWriteUnitsPerSecond must be an integer from 4000, got ${warm}`);
  }
  problems.push(...alarmThresholdProblems(choices.alarms));
  // What the operator brings or tunes: each refusal a profile causes names its control.
  const ingestMemoryMiB = choices.ingestMemoryMiB ?? ingestFunctionDefaults.memoryMiB;
  const ingestArchitecture = choices.ingestArchitecture ?? ingestFunctionDefaults.architecture;
  const queue = resolveDeliveryQueue(choices.deliveryQueue, choices.alarms?.queueAge);
  problems.push(
    ...userVpcProblems(choices, profiles),
    ...alarmDestinationProblems(choices, profiles),
    ...alarmTopicProblems(choices, profiles),
    ...ingestFunctionProblems(ingestMemoryMiB, ingestArchitecture),
    ...queue.problems,
    ...dashboardNameProblems(choices.dashboardName),
  );
  const removalPolicy = choices.removalPolicy ?? 'retain';
  problems.push(...removalProblems(removalPolicy, profiles));
  // The key guard contradicts 'destroy'; custodian lists must name roles.
  problems.push(
    ...keyGuardProblems(choices.keyGuard, removalPolicy),
    ...keyCustodianProblems(choices.keyCustodians),
  );
  const selfAudit = resolveSelfAudit(
    choices.selfAudit,
    profiles.length === 0 ? defaultComplianceProfiles : profiles,
    retentionClasses[deliveryAuditFloor].auditDays,
  );
  problems.push(...selfAudit.problems);
  if (problems.length > 0) throw new DeploymentSettingsError(problems);
  return {
    profiles,
    requirements,
    deliveryAuditFloor,
    payloadCopyCeiling,
    logRetentionDays,
    front,
    accessLogDetail: requirements.accessLogRequired ? 'detailed' : 'essential',
    waf,
    tracing,
    vpcPlacement,
    backupPlan: requirements.backupPlanRequired,
    accessTrail,
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    throttling,
    wafRateLimitPerFiveMinutes,
    wafRuleGroupVersions: ruleGroups.versions,
    credentialHeaders: credentials.headers,
    ...(warm === undefined ? {} : { auditWarmWriteUnitsPerSecond: warm }),
    removalPolicy,
    ingestMemoryMiB,
    ingestArchitecture,
    deliveryQueue: queue.settings,
    ...(choices.dashboardName === undefined ? {} : { dashboardName: choices.dashboardName }),
    selfAudit: selfAudit.settings,
  };
}

/**
 * `destroy` deletes the audit records, logs and keys with the stack. Every profile but baseline
 * keeps them for a regulation (gdpr's short audit history is still the evidence of what was
 * received and erased); baseline names none, so a development stack may go with its data.
 */
function removalProblems(
  removalPolicy: DataRemovalPolicy,
  profiles: readonly ComplianceProfileName[],
): string[] {
  if (removalPolicy !== 'retain' && removalPolicy !== 'destroy') {
    return [`removalPolicy must be 'retain' or 'destroy', got ${JSON.stringify(removalPolicy)}`];
  }
  if (removalPolicy === 'retain') return [];
  return profiles
    .filter((name) => name !== 'baseline')
    .map((name) => {
      const profile = complianceProfiles[name];
      return `removalPolicy 'destroy' would delete the audit trail with the stack, which ${name} refuses: its retention control keeps delivery audit records ${retentionClasses[profile.deliveryAuditFloor].auditDays} days, admin records ${retentionClasses[profile.adminAuditFloor].auditDays} days and logs ${profile.logRetentionDays} days; only baseline allows 'destroy'`;
    });
}

/** What a front cannot do that the WAF or the profiles ask of it. */
function frontProblems(
  front: IngestFrontName,
  waf: boolean,
  wafAsked: boolean,
  requirements: ComplianceRequirements,
  strictest: (field: keyof ComplianceRequirements) => string,
): string[] {
  const problems: string[] = [];
  if (waf && front !== 'rest') {
    const why = wafAsked ? 'waf is on' : `${strictest('wafRequired')} requires a WAF`;
    problems.push(
      `front '${front}' cannot carry a WAF, which attaches to a REST API only (front 'rest'): ${why}`,
    );
  }
  if (front === 'url' && requirements.accessLogRequired) {
    problems.push(
      `front 'url' writes no access log of each request, which ${strictest('accessLogRequired')} requires: use front 'http' or 'rest'`,
    );
  }
  return problems;
}

function positiveIntegers(values: Readonly<Record<string, number>>): string[] {
  return Object.entries(values)
    .filter(([, value]) => !Number.isInteger(value) || value < 1)
    .map(([name, value]) => `${name} must be a positive integer, got ${value}`);
}
