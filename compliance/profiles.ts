/**
 * Compliance profiles: what each regulation asks of a deployment, as one table. The CDK app
 * deploys from it, docs/compliance.md prints it, and the CLI's compliance report reads it.
 *
 * Profiles combine: a deployment under several takes the strictest value of each column.
 * Retention of audit records (delivery and admin) and of logs is a floor (the longest wins: a
 * legal duty to keep a record overrides storage limitation, GDPR Art. 17(3)(b)); payload
 * copies have a ceiling (the shortest wins: no profile requires a payload copy, and GDPR wants
 * the least). VPC placement, the WAF, an access log of every request and a backup plan are
 * required when any profile requires them.
 */
import { type RetentionClassName, retentionClasses } from '../functions/config/retention.ts';

/** The Lambda variable that carries `deliveryAuditFloor`; defined beside the retention classes. */
export { retentionFloorVariable } from '../functions/config/retention.ts';

export const complianceProfileNames = ['baseline', 'gdpr', 'ccpa', 'pci-dss', 'hipaa'] as const;

export type ComplianceProfileName = (typeof complianceProfileNames)[number];

/** What one profile requires; every field is a minimum the deployment may exceed. */
export interface ComplianceRequirements {
  /** The retention class whose `auditDays` delivery audit records keep at least. */
  readonly deliveryAuditFloor: RetentionClassName;
  /**
   * The retention class whose `auditDays` admin audit records (`webhooks providers …` and
   * `webhooks audit …`, ops/admin-trail/admin-record.ts) keep at least.
   */
  readonly adminAuditFloor: RetentionClassName;
  /** The retention class whose `payloadDays` a redacted payload copy is kept at most. */
  readonly payloadCopyCeiling: RetentionClassName;
  /** Days CloudWatch keeps every log group: Lambda, API access and execution, WAF, flow logs. */
  readonly logRetentionDays: number;
  /** The ingest Lambda must run in a VPC, with endpoints for what it calls. */
  readonly vpcPlacementRequired: boolean;
  /** A WAF web ACL must sit in front of the API stage. */
  readonly wafRequired: boolean;
  /**
   * The front must write an access log line for every request (who, when, what, outcome), so a
   * Lambda function URL, which has no access log, cannot serve.
   */
  readonly accessLogRequired: boolean;
  /**
   * The audit and registry tables must be in an AWS Backup plan whose copies sit in a locked
   * vault as long as the delivery audit records are kept (infra/backup.ts).
   */
  readonly backupPlanRequired: boolean;
  /**
   * The alarms must reach someone, so synthesis refuses a deployment without `alarmEmail` or
   * `alarmTopic` (alarmDestinationProblems, infra/alarm-topic.ts): the topic the construct
   * creates has no subscriber of its own, and an alarm nobody receives detects nothing. Every
   * regulation here asks for failures and incidents to be noticed and answered promptly (PCI
   * DSS v4.0.1 10.7.2, HIPAA 45 CFR §164.308(a)(6)(ii), GDPR Art. 33(1), CCPA §1798.100(e)'s
   * reasonable security); baseline names none.
   */
  readonly alarmDestinationRequired: boolean;
  /**
   * A CloudTrail trail must record every read and write of the audit and registry tables, the
   * queues and the digest and payload buckets, and every use of the keys (infra/access-trail.ts):
   * access to the audit trail itself is logged, not only the CLI's (PCI DSS v4.0.1 10.2.1,
   * 10.2.1.3; HIPAA 45 CFR §164.312(b)).
   */
  readonly accessTrailRequired: boolean;
}

export interface ComplianceProfile extends ComplianceRequirements {
  readonly summary: string;
  /** The clauses that force the values above. */
  readonly citations: readonly string[];
  /**
   * Days a provider's key may stay in use before the scheduled self-audit flags it
   * (infra/self-audit.ts, `key-cryptoperiod`): a ceiling, so profiles combine to the shortest
   * (`keyCryptoperiod`). No regulation here fixes a number: PCI DSS v4.0.1 3.6.1 and 3.7.4 leave
   * the cryptoperiod to the entity, and NIST SP 800-57 Part 1 suggests an originator-usage
   * period of up to one to two years for symmetric authentication keys, whose shorter end every
   * profile takes. Not a `ComplianceRequirements` field: the deployment's strictest is
   * `DeploymentSettings.selfAudit.cryptoperiodDays`.
   */
  readonly keyCryptoperiodDays: number;
}

export const complianceProfiles = {
  baseline: {
    summary: 'No regulation named: a month of audit history, a week of payload copies.',
    citations: [],
    deliveryAuditFloor: 'minimal',
    adminAuditFloor: 'standard',
    payloadCopyCeiling: 'standard',
    logRetentionDays: 90,
    vpcPlacementRequired: false,
    wafRequired: false,
    accessLogRequired: false,
    backupPlanRequired: false,
    alarmDestinationRequired: false,
    accessTrailRequired: false,
    keyCryptoperiodDays: 365,
  },
  gdpr: {
    summary: 'Storage limitation: no payload copies, short audit history and logs by default.',
    citations: [
      'GDPR Art. 5(1)(e): personal data kept no longer than necessary, so payload copies are off',
    ],
    deliveryAuditFloor: 'minimal',
    adminAuditFloor: 'standard',
    payloadCopyCeiling: 'minimal',
    logRetentionDays: 30,
    vpcPlacementRequired: false,
    wafRequired: false,
    accessLogRequired: false,
    backupPlanRequired: false,
    alarmDestinationRequired: true,
    accessTrailRequired: false,
    keyCryptoperiodDays: 365,
  },
  ccpa: {
    summary: 'Records of consumer requests kept 24 months.',
    citations: ['CCPA regulations, 11 CCR §7101: records of consumer requests kept 24 months'],
    deliveryAuditFloor: 'consumer-requests',
    adminAuditFloor: 'consumer-requests',
    payloadCopyCeiling: 'standard',
    logRetentionDays: 90,
    vpcPlacementRequired: false,
    wafRequired: false,
    accessLogRequired: false,
    backupPlanRequired: false,
    alarmDestinationRequired: true,
    accessTrailRequired: false,
    keyCryptoperiodDays: 365,
  },
  'pci-dss': {
    summary:
      'Twelve months of audit history, backed up to a locked vault, a WAF in front of the API, the Lambda in a VPC.',
    citations: [
      'PCI DSS v4.0.1 10.5.1: audit log history kept 12 months, the last 3 immediately available',
      'PCI DSS v4.0.1 6.4.2: public-facing web applications behind an automated attack filter (a WAF)',
      'PCI DSS v4.0.1 10.2.1 and 10.2.2: every access logged with who, what, when and the outcome',
      'PCI DSS v4.0.1 1.3 and cdk-nag PCI.DSS.321-LambdaInsideVPC: the function in a segmented network',
      'PCI DSS v4.0.1 10.3.3: audit logs promptly backed up to storage that is difficult to alter (a locked backup vault)',
      "PCI DSS v4.0.1 3.7.4: keys changed at the end of their cryptoperiod, which the key owner defines from industry guidance: 365 days for provider keys, the shorter end of NIST SP 800-57 Part 1's one to two years for symmetric authentication keys, checked by the daily self-audit",
    ],
    deliveryAuditFloor: 'standard',
    adminAuditFloor: 'standard',
    payloadCopyCeiling: 'standard',
    logRetentionDays: 400,
    vpcPlacementRequired: true,
    wafRequired: true,
    accessLogRequired: true,
    backupPlanRequired: true,
    alarmDestinationRequired: true,
    accessTrailRequired: true,
    keyCryptoperiodDays: 365,
  },
  hipaa: {
    summary:
      'Six years of audit history and logs, backed up to a locked vault, the Lambda in a VPC.',
    citations: [
      'HIPAA 45 CFR §164.316(b)(2): documentation kept six years',
      'HIPAA 45 CFR §164.312(b) audit controls: activity recorded, every request in an access log',
      'HIPAA 45 CFR §164.312(b) and cdk-nag HIPAA.Security-LambdaInsideVPC: the function in a VPC',
      'HIPAA 45 CFR §164.308(a)(7)(ii)(A): a data backup plan, retrievable exact copies of the audit trail',
    ],
    deliveryAuditFloor: 'extended',
    adminAuditFloor: 'extended',
    payloadCopyCeiling: 'standard',
    logRetentionDays: 2_192,
    vpcPlacementRequired: true,
    wafRequired: false,
    accessLogRequired: true,
    backupPlanRequired: true,
    alarmDestinationRequired: true,
    accessTrailRequired: true,
    keyCryptoperiodDays: 365,
  },
} as const satisfies Record<ComplianceProfileName, ComplianceProfile>;

/** Days a retention class keeps audit records. */
export const auditDays = (name: RetentionClassName): number => retentionClasses[name].auditDays;

/** Days a retention class keeps a payload copy; 0 keeps none. */
export const payloadDays = (name: RetentionClassName): number => retentionClasses[name].payloadDays;

/** The profile a deployment gets when it names none. */
export const defaultComplianceProfiles: readonly ComplianceProfileName[] = ['baseline'];

/** True when `name` is one of `complianceProfileNames`. */
export function isComplianceProfileName(name: string): name is ComplianceProfileName {
  return (complianceProfileNames as readonly string[]).includes(name);
}

/**
 * The strictest of each requirement over the named profiles.
 * @example
 * combineProfiles(['gdpr', 'pci-dss']).payloadCopyCeiling // 'minimal'
 */
export function combineProfiles(names: readonly ComplianceProfileName[]): ComplianceRequirements {
  if (names.length === 0) throw new RangeError('name at least one compliance profile');
  const profiles = names.map((name) => complianceProfiles[name]);
  const longer = (a: RetentionClassName, b: RetentionClassName) => auditDays(a) >= auditDays(b);
  return {
    deliveryAuditFloor: pick(profiles, (p) => p.deliveryAuditFloor, longer),
    adminAuditFloor: pick(profiles, (p) => p.adminAuditFloor, longer),
    payloadCopyCeiling: pick(
      profiles,
      (p) => p.payloadCopyCeiling,
      (a, b) => payloadDays(a) <= payloadDays(b),
    ),
    logRetentionDays: Math.max(...profiles.map((p) => p.logRetentionDays)),
    vpcPlacementRequired: profiles.some((p) => p.vpcPlacementRequired),
    wafRequired: profiles.some((p) => p.wafRequired),
    accessLogRequired: profiles.some((p) => p.accessLogRequired),
    backupPlanRequired: profiles.some((p) => p.backupPlanRequired),
    alarmDestinationRequired: profiles.some((p) => p.alarmDestinationRequired),
    accessTrailRequired: profiles.some((p) => p.accessTrailRequired),
  };
}

/**
 * The shortest key cryptoperiod the named profiles allow, and the profiles that ask for it.
 * @example
 * keyCryptoperiod(['baseline', 'pci-dss']) // { days: 365, profiles: ['baseline', 'pci-dss'] }
 */
export function keyCryptoperiod(names: readonly ComplianceProfileName[]): {
  readonly days: number;
  readonly profiles: readonly ComplianceProfileName[];
} {
  if (names.length === 0) throw new RangeError('name at least one compliance profile');
  const days = Math.min(...names.map((name) => complianceProfiles[name].keyCryptoperiodDays));
  return {
    days,
    profiles: names.filter((name) => complianceProfiles[name].keyCryptoperiodDays === days),
  };
}

/** The value of `field` over `profiles` that `keeps` prefers to every other. */
function pick<T>(
  profiles: readonly ComplianceProfile[],
  field: (profile: ComplianceProfile) => T,
  keeps: (current: T, other: T) => boolean,
): T {
  const [first, ...rest] = profiles.map(field) as [T, ...T[]];
  return rest.reduce((current, other) => (keeps(current, other) ? current : other), first);
}
