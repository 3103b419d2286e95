/** Every template check, by the name the control catalogue (compliance/controls.ts) uses. */
import type { TemplateCheckName } from '../controls.ts';
import {
  apiAccessLogging,
  auditEvidenceRetainedOnStackDeletion,
  ingestWritesAuditTrail,
  noBodiesOrHeadersInLogs,
  tablesDeletionProtected,
  tablesPointInTimeRecovery,
} from './audit-trail.ts';
import type { CheckContext, Evidence, TemplateCheck } from './check.ts';
import {
  keysRotateYearly,
  keyUseBoundWithoutWildcards,
  logGroupsEncrypted,
  noSecretsInTemplate,
  oneKeyPerDataClass,
  queuesEncrypted,
  tablesEncrypted,
} from './encryption.ts';
import { lambdaInIsolatedNetwork, wafInFrontOfApi } from './network.ts';
import {
  adminAuditRetention,
  auditRecordsExpireByTtl,
  deliveryAuditRetention,
  logRetention,
  payloadCopyCeiling,
} from './retention.ts';
import {
  apiMinimumTls12,
  apiServedOverHttpsOnly,
  exactBodyReachesVerifier,
  queuesAndTopicsRequireTls,
} from './transit.ts';

export type { CheckContext, Evidence, LiveObservation } from './check.ts';

export const templateChecks: Readonly<Record<TemplateCheckName, TemplateCheck>> = {
  'tables-encrypted-with-customer-managed-keys': tablesEncrypted,
  'queues-encrypted-with-customer-managed-key': queuesEncrypted,
  'log-groups-encrypted': logGroupsEncrypted,
  'one-key-per-data-class': oneKeyPerDataClass,
  'keys-rotate-yearly': keysRotateYearly,
  'key-use-bound-without-wildcards': keyUseBoundWithoutWildcards,
  'no-secrets-in-template': noSecretsInTemplate,
  'api-served-over-https-only': apiServedOverHttpsOnly,
  'api-minimum-tls-1-2': apiMinimumTls12,
  'queues-and-topics-require-tls': queuesAndTopicsRequireTls,
  'tables-point-in-time-recovery': tablesPointInTimeRecovery,
  'tables-deletion-protected': tablesDeletionProtected,
  'audit-evidence-retained-on-stack-deletion': auditEvidenceRetainedOnStackDeletion,
  'audit-records-expire-by-ttl': auditRecordsExpireByTtl,
  'delivery-audit-retention': deliveryAuditRetention,
  'admin-audit-retention': adminAuditRetention,
  'payload-copy-ceiling': payloadCopyCeiling,
  'log-retention': logRetention,
  'api-access-logging': apiAccessLogging,
  'ingest-writes-audit-trail': ingestWritesAuditTrail,
  'no-bodies-or-headers-in-logs': noBodiesOrHeadersInLogs,
  'waf-in-front-of-api': wafInFrontOfApi,
  'lambda-in-isolated-network': lambdaInIsolatedNetwork,
  'exact-body-reaches-verifier': exactBodyReachesVerifier,
};

export interface CheckResult {
  readonly name: TemplateCheckName;
  readonly summary: string;
  readonly passed: boolean;
  readonly evidence: readonly Evidence[];
  /** The template's problems, then every live value that differs from the template. */
  readonly problems: readonly string[];
}

/** Runs one check; a live value that contradicts the template fails it too. */
export function runCheck(name: TemplateCheckName, context: CheckContext): CheckResult {
  const check = templateChecks[name];
  const { evidence, problems } = check.evaluate(context);
  const drifted = evidence.flatMap(({ resource, property, live }) =>
    live?.state === 'differs' ? [`live stack: ${resource} ${property} is ${live.value}`] : [],
  );
  const all = [...problems, ...drifted];
  return { name, summary: check.summary, passed: all.length === 0, evidence, problems: all };
}
