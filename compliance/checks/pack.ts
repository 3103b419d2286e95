/**
 * The template rules, one file each, as one pack (cdk-nag style: a pack is a list of rules).
 * The control catalogue (compliance/controls.ts) cites them by name, the compliance report runs
 * the ones its controls cite, and the deployment tests (test/compliance/deployment-checks.ts)
 * run the same rules on every configuration.
 */
import { accessTrailLogsDataAccess } from './access-trail-logs-data-access.ts';
import { adminAuditRetention } from './admin-audit-retention.ts';
import { apiAccessLogging } from './api-access-logging.ts';
import { apiMinimumTls12 } from './api-minimum-tls-1-2.ts';
import { apiServedOverHttpsOnly } from './api-served-over-https-only.ts';
import { auditBackupsInLockedVault } from './audit-backups-in-locked-vault.ts';
import { auditDigestsSignedAndLocked } from './audit-digests-signed-and-locked.ts';
import { auditEvidenceRetainedOnStackDeletion } from './audit-evidence-retained-on-stack-deletion.ts';
import { auditRecordsExpireByTtl } from './audit-records-expire-by-ttl.ts';
import { deliveryAuditRetention } from './delivery-audit-retention.ts';
import { exactBodyReachesVerifier } from './exact-body-reaches-verifier.ts';
import { ingestWritesAuditTrail } from './ingest-writes-audit-trail.ts';
import { keyUseBoundWithoutWildcards } from './key-use-bound-without-wildcards.ts';
import { keysRotateYearly } from './keys-rotate-yearly.ts';
import { lambdaInIsolatedNetwork } from './lambda-in-isolated-network.ts';
import { logGroupsEncrypted } from './log-groups-encrypted.ts';
import { logRetention } from './log-retention.ts';
import { noBodiesOrHeadersInLogs } from './no-bodies-or-headers-in-logs.ts';
import { noSecretsInTemplate } from './no-secrets-in-template.ts';
import { oneKeyPerDataClass } from './one-key-per-data-class.ts';
import { payloadCopyCeiling } from './payload-copy-ceiling.ts';
import { queuesAndTopicsRequireTls } from './queues-and-topics-require-tls.ts';
import { queuesEncrypted } from './queues-encrypted-with-customer-managed-key.ts';
import type { TemplateRule } from './rule.ts';
import { tablesDeletionProtected } from './tables-deletion-protected.ts';
import { tablesEncrypted } from './tables-encrypted-with-customer-managed-keys.ts';
import { tablesPointInTimeRecovery } from './tables-point-in-time-recovery.ts';
import { wafInFrontOfApi } from './waf-in-front-of-api.ts';

export const templateRules = [
  tablesEncrypted,
  queuesEncrypted,
  logGroupsEncrypted,
  oneKeyPerDataClass,
  keysRotateYearly,
  keyUseBoundWithoutWildcards,
  noSecretsInTemplate,
  apiServedOverHttpsOnly,
  apiMinimumTls12,
  queuesAndTopicsRequireTls,
  tablesPointInTimeRecovery,
  tablesDeletionProtected,
  auditEvidenceRetainedOnStackDeletion,
  auditDigestsSignedAndLocked,
  auditBackupsInLockedVault,
  auditRecordsExpireByTtl,
  deliveryAuditRetention,
  adminAuditRetention,
  payloadCopyCeiling,
  logRetention,
  apiAccessLogging,
  ingestWritesAuditTrail,
  noBodiesOrHeadersInLogs,
  wafInFrontOfApi,
  accessTrailLogsDataAccess,
  lambdaInIsolatedNetwork,
  exactBodyReachesVerifier,
] as const;

/** A rule's name, as the control catalogue cites it. */
export type TemplateCheckName = (typeof templateRules)[number]['name'];

export const templateCheckNames: readonly TemplateCheckName[] = templateRules.map(
  (rule) => rule.name,
);

// Every name is some rule's, by the type above, so the lookup always finds one.
const rulesByName = Object.fromEntries(templateRules.map((rule) => [rule.name, rule])) as Readonly<
  Record<TemplateCheckName, TemplateRule>
>;

/** The rule the catalogue cites by `name`. */
export function templateRule(name: TemplateCheckName): TemplateRule {
  return rulesByName[name];
}
