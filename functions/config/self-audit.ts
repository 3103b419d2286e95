/**
 * The scheduled self-audit (scheduled/self-audit/): the checks it runs, the names its run record,
 * metrics and variables use, and its defaults, as data that the construct (infra/self-audit.ts),
 * the handler, `webhooks compliance audit|history` and `providers list --review` all read.
 */

/**
 * The checks of one run, each passed, failed or not run (never passed when it could not run):
 * - `template-controls`: the live checks of `webhooks compliance report --stack`, run on the
 *   deployed template (CloudFormation GetTemplate) and the stack's live settings;
 * - `key-cryptoperiod`: provider keys older than the cryptoperiod;
 * - `key-grace-overdue`: keys kept past the end of their rotation grace;
 * - `idle-providers`: enabled providers with no accepted delivery for `idleProviderDays`;
 * - `audit-integrity`: the audit trail's signed digests and seals over the last period;
 * - `access-changes`: who may decrypt or read the audit trail (key policy and table resource
 *   policy principals), compared with the previous run's.
 */
export const selfAuditCheckNames = [
  'template-controls',
  'key-cryptoperiod',
  'key-grace-overdue',
  'idle-providers',
  'audit-integrity',
  'access-changes',
] as const;

export type SelfAuditCheckName = (typeof selfAuditCheckNames)[number];

export const selfAuditCheckStatuses = ['passed', 'failed', 'not_run'] as const;

export type SelfAuditCheckStatus = (typeof selfAuditCheckStatuses)[number];

export const selfAudit = {
  /** EventBridge Scheduler expression of the default schedule: daily, 05:00 UTC. */
  defaultSchedule: 'cron(0 5 * * ? *)',
  /** Days without an accepted delivery after which an enabled provider is flagged. */
  defaultIdleProviderDays: 30,
  /** How far back `audit-integrity` verifies the trail: one day, the schedule's period. */
  integrityWindowSeconds: 86_400,
  /** The metric of a failed check (dimension `check`), and of a run that failed entirely. */
  checkFailedMetric: 'self_audit_check_failed',
  checkNotRunMetric: 'self_audit_check_not_run',
  /** The handler's variables; the table and key names come from their own definitions. */
  stackNameVariable: 'SELF_AUDIT_STACK_NAME',
  profilesVariable: 'SELF_AUDIT_PROFILES',
  cryptoperiodVariable: 'SELF_AUDIT_CRYPTOPERIOD_DAYS',
  idleDaysVariable: 'SELF_AUDIT_IDLE_PROVIDER_DAYS',
  instanceVariable: 'SELF_AUDIT_INSTANCE_NAME',
} as const;
