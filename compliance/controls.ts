/**
 * The control catalogue: for each regulation a compliance profile names, the controls this
 * product implements or supports, the template checks that show a deployment implements them
 * (rules of compliance/checks/, one file each, cited by name), and the tests that prove it. `webhooks compliance report` evaluates it against a synthesized
 * template (and the live stack); test/compliance/compliance-report.test.ts fails when a test named
 * here no longer exists, so the references cannot rot.
 *
 * A control states what the clause asks in plain words, then how this product meets it; the
 * clause text itself is the regulator's (PCI SSC, HHS, EUR-Lex, the California CPPA).
 */
import type { TemplateCheckName } from './checks/pack.ts';
import type { ComplianceProfileName } from './profiles.ts';

/** The profiles that name a regulation; `baseline` names none. */
export type RegulatedProfileName = Exclude<ComplianceProfileName, 'baseline'>;

/** Each regulated profile's regulation, as an auditor would cite it. */
export const regulations = {
  'pci-dss': 'PCI DSS v4.0.1',
  hipaa: 'HIPAA Security Rule (45 CFR Part 164, Subpart C)',
  gdpr: 'GDPR (Regulation (EU) 2016/679)',
  ccpa: 'CCPA (Cal. Civ. Code §1798.100 ff. and 11 CCR §7000 ff.)',
} as const satisfies Record<RegulatedProfileName, string>;

/** True when `profile` names a regulation. */
export function isRegulatedProfile(
  profile: ComplianceProfileName,
): profile is RegulatedProfileName {
  return Object.hasOwn(regulations, profile);
}

/** A test that proves a control: its file, relative to the project root, and its title. */
export interface TestReference {
  readonly file: string;
  /**
   * The `it(…)` title as the file writes it; a part the title computes (`${…}` in the source)
   * is written `…`, e.g. `keeps it at least … days`.
   */
  readonly name: string;
}

export interface Control {
  /** Unique: the profile and the clause, e.g. `pci-dss 3.5.1`. */
  readonly id: string;
  readonly profile: RegulatedProfileName;
  /** The clause as cited, e.g. `Requirement 3.5.1` or `§164.312(b)`. */
  readonly clause: string;
  readonly title: string;
  /** What the clause asks of this product, in plain words. */
  readonly requirement: string;
  /** How the product meets it, in plain words. */
  readonly implementation: string;
  /**
   * The rules of compliance/checks/pack.ts that show it in a template, each evaluated with the
   * control's own profile's requirements (e.g. PCI DSS 10.5.1 asks for the
   * `pci-dss` profile's retention, whatever else the deployment combines).
   */
  readonly checks: readonly TemplateCheckName[];
  readonly tests: readonly TestReference[];
}

const deploymentChecks = 'test/compliance/deployment-checks.ts';
const profileTable = 'test/compliance/profiles.test.ts';
const ingest = 'test/ingest/ingest.test.ts';
const refusals = 'test/ingest/refusals.test.ts';
const adminAudit = 'test/cli/admin-audit.test.ts';
const fieldEncryption = 'test/audit/field-encryption.test.ts';
const auditTrailIntegrity = 'test/ops/integrity/trail.test.ts';
const auditBackups = 'test/infra/audit-backups.test.ts';
const accessTrail = 'test/infra/access-trail.test.ts';

/**
 * What the access trail (infra/access-trail.ts) logs, as the template shows it: the trail
 * `AccessTrail` (AWS::CloudTrail::Trail) and its bucket `AccessTrailBucket`.
 */
const accessTrailImplementation =
  "The CloudTrail trail AccessTrail (AWS::CloudTrail::Trail, on under pci-dss and hipaa) logs what reaches the data without the CLI: its AdvancedEventSelectors name the audit and registry tables (AWS::DynamoDB::Table data events), the delivery and dead-letter queues (AWS::SQS::Queue), the digest and payload buckets' objects (AWS::S3::Object) and reads of its own bucket's files, and take every management event, so KMS Decrypt and GenerateDataKey on the stack's keys are logged with the caller. EnableLogFileValidation is true (hourly signed digest files, which aws cloudtrail validate-logs checks), KMSKeyId is a key of its own, IsMultiRegionTrail false (every resource is in the stack's region); its files go to AccessTrailBucket, under Object Lock in compliance mode for the log retention, and to a log group kept as long.";

/** The access trail's tests, shared by PCI DSS 10.2.1 and HIPAA §164.312(b). */
const accessTrailProofs: readonly TestReference[] = [
  {
    file: accessTrail,
    name: 'selects the data events of exactly the tables, queues and buckets, and every management event',
  },
  {
    file: accessTrail,
    name: 'logs to its bucket with log file validation, under a key of its own, in one region',
  },
  {
    file: accessTrail,
    name: 'keeps its files locked in compliance mode for … days, under its key, TLS only',
  },
  { file: accessTrail, name: 'cannot be turned off under pci-dss or hipaa' },
];
const keyGuardTests = 'test/infra/key-guard.test.ts';

/** The tests shared by several controls, by what they prove. */
const proofs = {
  tablesEncrypted: {
    file: deploymentChecks,
    name: 'keeps both tables encrypted, recoverable, protected from deletion and on demand',
  },
  queuesEncrypted: {
    file: deploymentChecks,
    name: 'encrypts both queues with the queue key, caps the message size and redrives',
  },
  logGroups: {
    file: deploymentChecks,
    name: 'encrypts every log group and keeps it at least … days',
  },
  keysRotate: {
    file: deploymentChecks,
    name: 'rotates one customer managed key per data class, under the configured aliases',
  },
  keyUseBound: {
    file: deploymentChecks,
    name: 'binds every use of a key to an encryption context or to the service that asks',
  },
  noWildcards: {
    file: deploymentChecks,
    name: 'allows no wildcard action in any key, role, queue, topic or endpoint policy',
  },
  secretsDecrypt: {
    file: deploymentChecks,
    name: 'lets only the ingest Lambda decrypt provider secrets, and only under their context',
  },
  noSecrets: {
    file: deploymentChecks,
    name: 'holds no secret, key material or credential anywhere in the template',
  },
  tlsOnly: {
    file: deploymentChecks,
    name: 'refuses every queue and topic request made without TLS',
  },
  api: {
    file: deploymentChecks,
    name: 'serves POST /v1/webhooks/{providerId} regionally, with the path parameter required',
  },
  accessLogs: {
    file: deploymentChecks,
    name: 'logs API access as JSON without headers or bodies, errors without data trace, and throttles',
  },
  lambdaEnvironment: {
    file: deploymentChecks,
    name: 'gives the Lambda names only, with the … retention floor and … payload ceiling',
  },
  ttl: {
    file: deploymentChecks,
    name: 'builds the tables from their shared definitions: keys, TTL and the CLI index',
  },
  fieldRoundTrip: {
    file: fieldEncryption,
    name: 'round-trips a field through a reader that has only KMS Decrypt',
  },
  digestFindings: {
    file: auditTrailIntegrity,
    name: 'names a record altered, deleted or inserted, each by its id',
  },
  sealsBeforeDigest: {
    file: auditTrailIntegrity,
    name: 'names a record changed or put in the table by hand before any digest covers it',
  },
  sealedReceipts: {
    file: auditTrailIntegrity,
    name: 'refuses an erasure whose receipt was not sealed by an operator, though the rest of the record is intact',
  },
  sealWriters: {
    file: deploymentChecks,
    name: 'lets only the ingest Lambda make seal keys for delivery records, and operators only their own',
  },
  digestLawfulChanges: {
    file: auditTrailIntegrity,
    name: 'verifies an erasure its receipt covers, and a record gone after its retention',
  },
  digestRewritten: {
    file: auditTrailIntegrity,
    name: 'names a digest rewritten in the bucket: its signature and the next link',
  },
  digestOffline: {
    file: 'test/cli/audit-verify.test.ts',
    name: 'exports a public key that openssl verifies a digest with, offline',
  },
  backupVault: {
    file: auditBackups,
    name: 'into a vault under the audit key, locked in compliance mode for that long, kept on delete',
  },
  backupSelection: {
    file: auditBackups,
    name: 'selecting exactly the audit and registry tables, not the consumer table',
  },
  fieldTampering: {
    file: fieldEncryption,
    name: 'fails with a typed error when any one bit is flipped',
  },
  accepted: {
    file: ingest,
    name: 'accepts a signed delivery: queued, audited with the message id, 202',
  },
  badSignature: {
    file: ingest,
    name: 'answers a bad signature 401 with the generic body and audits signature_mismatch',
  },
  exactBytes: {
    file: ingest,
    name: 'verifies and queues a base64-encoded body as its exact bytes',
  },
  unregistered: {
    file: refusals,
    name: 'files an unknown provider id under the unregistered partition, with the id asked for',
  },
  retentionFloor: {
    file: refusals,
    name: 'lengthens a shorter class, and leaves a longer one as it is',
  },
  payloadCeiling: {
    file: refusals,
    name: 'keeps no copy where the ceiling keeps less than the provider class would',
  },
  sourceAllowlist: {
    file: 'test/ingest/source-allowlist.test.ts',
    name: 'refuses before the signature is checked: a forgery from elsewhere is source_not_allowed',
  },
  sourceAllowlistAudited: {
    file: 'test/ingest/source-allowlist.test.ts',
    name: 'refuses one from elsewhere with the 401 of every refusal, queues nothing and audits why',
  },
  sourceNotSpoofable: {
    file: 'test/ingest/source-allowlist.test.ts',
    name: 'matches the TCP peer only: a forwarding header the client sends is never the source',
  },
  tooWideRefused: {
    file: 'test/ingest/source-allowlist.test.ts',
    name: 'refuses an empty or too wide list, an unknown list and a provider that publishes none',
  },
  adminRecords: {
    file: adminAudit,
    name: 'write one record each, naming the caller, the action and the provider',
  },
  adminRetention: {
    file: adminAudit,
    name: 'keeps each record for the extended retention class, off the delivery index',
  },
  auditReads: { file: adminAudit, name: 'record a listing of delivery attempts' },
} as const satisfies Record<string, TestReference>;

const encryptionAtRest = [
  'tables-encrypted-with-customer-managed-keys',
  'queues-encrypted-with-customer-managed-key',
  'log-groups-encrypted',
] as const satisfies readonly TemplateCheckName[];

const inTransit = [
  'api-served-over-https-only',
  'api-minimum-tls-1-2',
  'queues-and-topics-require-tls',
] as const satisfies readonly TemplateCheckName[];

const retention = [
  'delivery-audit-retention',
  'admin-audit-retention',
  'log-retention',
] as const satisfies readonly TemplateCheckName[];

const encryptionImplementation =
  'Both DynamoDB tables, both SQS queues and every CloudWatch log group are encrypted with customer managed KMS keys of this stack, one key per class of data (provider secrets, audit trail and logs, queued deliveries). Request headers and payload copies in audit records are encrypted again, field by field, with AES-256-GCM data keys.';

const transitImplementation =
  'Webhooks arrive through one front, an API Gateway REST or HTTP API or a Lambda function URL, each answering HTTPS only; there is no other way in (no second front, no load balancer; with a custom domain the default execute-api endpoint is turned off, so the domain is the only address). The queue and topic policies refuse any request made without TLS, and the Lambda calls AWS services over HTTPS.';

export const controls: readonly Control[] = [
  {
    id: 'pci-dss 1.3',
    profile: 'pci-dss',
    clause: 'Requirement 1.3',
    title: 'Network access to and from the cardholder data environment is restricted',
    requirement:
      'Inbound and outbound traffic of the systems that handle account data is limited to what is necessary.',
    implementation:
      "The ingest Lambda runs in isolated subnets with no NAT and no internet gateway; it reaches DynamoDB, SQS, KMS and S3 through VPC endpoints only, its security group lets HTTPS out to those endpoints alone (the interface endpoints' group and DynamoDB's and S3's prefix lists, never 0.0.0.0/0), and VPC flow logs record all traffic. Inbound, each provider may be limited to the address ranges it sends from (a source allowlist, set with `webhooks providers add/update --allow-source` or `--allow-published`): a delivery from elsewhere is refused before its signature is checked and audited as source_not_allowed. The lists are the registry's runtime settings, so the report's Source allowlists section shows each provider's only when it reads the live stack (--stack).",
    checks: ['lambda-in-isolated-network'],
    tests: [
      proofs.sourceAllowlist,
      proofs.sourceNotSpoofable,
      proofs.tooWideRefused,
      {
        file: deploymentChecks,
        name: 'runs the Lambda in isolated subnets that reach only DynamoDB, SQS and KMS endpoints',
      },
      {
        file: profileTable,
        name: 'requires a WAF for PCI DSS and the Lambda in a VPC for PCI DSS and HIPAA',
      },
    ],
  },
  {
    id: 'pci-dss 3.5.1',
    profile: 'pci-dss',
    clause: 'Requirement 3.5.1',
    title: 'Stored account data is rendered unreadable',
    requirement:
      'Any account data a delivery carries is unreadable wherever it is stored: tables, queues, logs.',
    implementation: encryptionImplementation,
    checks: encryptionAtRest,
    tests: [
      proofs.tablesEncrypted,
      proofs.queuesEncrypted,
      proofs.logGroups,
      proofs.fieldRoundTrip,
    ],
  },
  {
    id: 'pci-dss 3.6.1',
    profile: 'pci-dss',
    clause: 'Requirement 3.6.1',
    title: 'Cryptographic keys are protected against disclosure and misuse',
    requirement:
      'Access to keys is restricted to the fewest custodians, each key serves one purpose, and secret keys are never stored in the clear.',
    implementation:
      'One KMS key per class of data. Key policies grant no wildcard action, and every use of a key is bound to an encryption context or to the service that asks: only the ingest Lambda may decrypt provider secrets. Provider secrets are stored as KMS ciphertexts; the template and the Lambda environment hold names only. Who may decrypt audit fields and deliveries: by default any principal of the account whose IAM policy allows it, so the custodians are whoever IAM outside the stack names; with keyCustodians the key policies name the auditor and consumer roles by ARN and deny that decryption to every other principal but the ingest Lambda. Key administration is the account\'s, as IAM allows, including changing a key policy; every change of a key policy raises the KeyChanges notification (docs/security.md, "Key custodians and the key guard").',
    checks: ['one-key-per-data-class', 'key-use-bound-without-wildcards', 'no-secrets-in-template'],
    tests: [
      proofs.keysRotate,
      proofs.keyUseBound,
      {
        file: keyGuardTests,
        name: 'name the auditors by ARN, and nobody else, for decrypting audit fields',
      },
      {
        file: keyGuardTests,
        name: "name the consumers and the construct's own consumer for decrypting deliveries",
      },
      proofs.secretsDecrypt,
      proofs.noWildcards,
      proofs.noSecrets,
    ],
  },
  {
    id: 'pci-dss 3.7.4',
    profile: 'pci-dss',
    clause: 'Requirement 3.7.4',
    title: 'Keys are changed at the end of their cryptoperiod',
    requirement: 'Keys are rotated on a defined schedule.',
    implementation:
      "Every KMS key of the stack has automatic rotation on (yearly). No key policy statement allows turning it off, but the account's key administrators, as IAM allows them, may change a key policy and so could allow it; with keyGuard every key denies turning rotation off, disabling and deleting to all but a break-glass role, and every key policy change, or attempt to disable or delete a key, raises the KeyChanges notification.",
    checks: ['keys-rotate-yearly'],
    tests: [
      proofs.keysRotate,
      {
        file: keyGuardTests,
        name: 'denies disabling, deletion and rotation off on every key to all but the break-glass role',
      },
    ],
  },
  {
    id: 'pci-dss 4.2.1',
    profile: 'pci-dss',
    clause: 'Requirement 4.2.1',
    title: 'Strong cryptography protects account data in transit over public networks',
    requirement:
      'Only trusted keys and secure protocol versions are accepted; early TLS (1.0, 1.1) is not strong cryptography.',
    implementation: `${transitImplementation} A REST API's security policy (TLS_1_2), or API Gateway's own on an HTTP API, refuses TLS older than 1.2; the profile refuses a function URL, which has no access log.`,
    checks: inTransit,
    tests: [proofs.api, proofs.tlsOnly],
  },
  {
    id: 'pci-dss 6.4.2',
    profile: 'pci-dss',
    clause: 'Requirement 6.4.2',
    title: 'Public-facing web applications are protected by an automated attack filter',
    requirement:
      'An automated technical solution in front of the public endpoint detects and prevents web-based attacks.',
    implementation:
      'A regional AWS WAF web ACL is associated with the API stage: a rate limit per source address, the Amazon IP reputation list and AWS managed rule groups, which block. The rules that judge the signed body, and NoUserAgent_HEADER, only count: blocking one would lose a real delivery its provider retries into the same block, while a forged body fails its signature check anyway. docs/compliance.md "WAF rules" lists each rule with its reason, from infra/waf.ts. A counted match raises the WafCountedMatches alarm, so that someone looks (SizeRestrictions_BODY, which every body over 8 KB matches, excepted). Blocked and counted requests are logged.',
    checks: ['waf-in-front-of-api'],
    tests: [
      {
        file: deploymentChecks,
        name: 'puts a regional web ACL with a rate rule in front of the stage, body rules counting only',
      },
    ],
  },
  {
    id: 'pci-dss 10.2.1',
    profile: 'pci-dss',
    clause: 'Requirement 10.2.1',
    title: 'Audit logs are enabled and active',
    requirement:
      'Every access to the system is logged, including every access to the audit logs themselves (10.2.1.3).',
    implementation: `Every delivery attempt, accepted or refused, gets an audit record in the audit table; every admin action of the CLI, reads of the audit trail included, gets its own record. API Gateway writes an access log line per request. ${accessTrailImplementation}`,
    checks: ['ingest-writes-audit-trail', 'api-access-logging', 'access-trail-logs-data-access'],
    tests: [
      proofs.accepted,
      proofs.badSignature,
      proofs.adminRecords,
      proofs.auditReads,
      ...accessTrailProofs,
    ],
  },
  {
    id: 'pci-dss 10.2.2',
    profile: 'pci-dss',
    clause: 'Requirement 10.2.2',
    title: 'Audit logs record the details of each event',
    requirement:
      'Each entry names who (user or source), the type of event, date and time, success or failure, origination, and the affected data or resource.',
    implementation:
      'An audit record holds the provider and source address (who), the event type, outcome and reason (what, success or failure), the time received (when), the request and queue message ids and the provider (where, what was affected). Access log lines hold the request id, time, source IP, method, path and status.',
    checks: ['api-access-logging'],
    tests: [proofs.accessLogs, proofs.accepted, proofs.unregistered, proofs.adminRecords],
  },
  {
    id: 'pci-dss 10.3',
    profile: 'pci-dss',
    clause: 'Requirements 10.3.2 and 10.3.3',
    title: 'Audit logs are protected from modification and destruction, and backed up',
    requirement:
      'Audit log files cannot be changed or deleted without authorization, and are promptly backed up.',
    implementation:
      'Every 15 minutes a digest of every audit record received, chained to the one before and signed with a KMS key only the digest function may use, goes to a bucket under Object Lock (compliance mode) for the audit retention. Every item is also sealed when written (an HMAC under a KMS data key that only the ingest role, or for admin records and receipts an operator, may generate), so a change shows before its period is digested. `webhooks audit verify` names every record altered, missing, inserted or unsealed, and an auditor checks the signatures offline with openssl (docs/audit-integrity.md). An AWS Backup plan copies the audit table daily into a vault under Vault Lock for the audit retention (docs/restore.md). The audit table has point-in-time recovery and deletion protection, and is kept (with every log group and key) when the stack is deleted. Log groups are encrypted; encrypted audit fields fail authentication if altered.',
    checks: [
      'audit-digests-signed-and-locked',
      'audit-backups-in-locked-vault',
      'tables-point-in-time-recovery',
      'tables-deletion-protected',
      'audit-evidence-retained-on-stack-deletion',
      'log-groups-encrypted',
    ],
    tests: [
      proofs.digestFindings,
      proofs.sealsBeforeDigest,
      proofs.sealedReceipts,
      proofs.sealWriters,
      proofs.digestLawfulChanges,
      proofs.digestRewritten,
      proofs.digestOffline,
      proofs.backupVault,
      proofs.backupSelection,
      proofs.tablesEncrypted,
      proofs.logGroups,
      proofs.fieldTampering,
    ],
  },
  {
    id: 'pci-dss 10.5.1',
    profile: 'pci-dss',
    clause: 'Requirement 10.5.1',
    title: 'Audit log history is retained for at least 12 months',
    requirement:
      'At least twelve months of audit log history, the most recent three months immediately available.',
    implementation:
      "Delivery audit records keep at least the pci-dss profile's retention class (400 days), admin records six years, and every log group 400 days. Records stay in the table, queryable, for their whole retention.",
    checks: retention,
    tests: [
      {
        file: profileTable,
        name: 'keeps PCI DSS 10.5.1 twelve months of audit history, and logs as long',
      },
      proofs.lambdaEnvironment,
      proofs.retentionFloor,
      proofs.adminRetention,
    ],
  },
  {
    id: 'hipaa 164.308(a)(7)',
    profile: 'hipaa',
    clause: '§164.308(a)(7)(ii)(A) and (B)',
    title: 'Contingency plan: data backup and disaster recovery',
    requirement:
      'Retrievable exact copies of ePHI are created and maintained, and procedures restore any loss of data.',
    implementation:
      'An AWS Backup plan copies the audit and registry tables every day into a vault under Vault Lock (compliance mode) for the audit retention; point-in-time recovery restores either table to any second of the last 35 days. docs/restore.md is the restore drill, erasures re-applied after a restore included.',
    checks: ['audit-backups-in-locked-vault', 'tables-point-in-time-recovery'],
    tests: [proofs.backupVault, proofs.backupSelection, proofs.tablesEncrypted],
  },
  {
    id: 'hipaa 164.312(a)(1)',
    profile: 'hipaa',
    clause: '§164.312(a)(1)',
    title: 'Access control',
    requirement:
      'Only the persons and systems granted access rights may reach the systems that hold ePHI.',
    implementation:
      "Every delivery must carry its provider's signature over the exact bytes received, checked against keys only KMS can decrypt; a provider may also be limited to the address ranges it sends from (`webhooks providers add/update --allow-source` or `--allow-published`), checked before the signature, with refusals audited as source_not_allowed. The address is the one API Gateway saw, never a header. The report's Source allowlists section lists each provider's when it reads the live stack (--stack).",
    checks: ['exact-body-reaches-verifier', 'api-served-over-https-only'],
    tests: [
      proofs.badSignature,
      proofs.sourceAllowlist,
      proofs.sourceAllowlistAudited,
      proofs.sourceNotSpoofable,
    ],
  },
  {
    id: 'hipaa 164.312(a)(2)(iv)',
    profile: 'hipaa',
    clause: '§164.312(a)(2)(iv)',
    title: 'Encryption and decryption of ePHI',
    requirement: 'Electronic protected health information at rest is encrypted.',
    implementation: `${encryptionImplementation} Every key rotates yearly.`,
    checks: [...encryptionAtRest, 'keys-rotate-yearly'],
    tests: [
      proofs.tablesEncrypted,
      proofs.queuesEncrypted,
      proofs.logGroups,
      proofs.keysRotate,
      proofs.fieldRoundTrip,
    ],
  },
  {
    id: 'hipaa 164.312(b)',
    profile: 'hipaa',
    clause: '§164.312(b)',
    title: 'Audit controls',
    requirement: 'Activity in systems that contain or use ePHI is recorded and can be examined.',
    implementation: `Every delivery attempt and every admin action (reads of the audit trail included) is recorded in the audit table; API Gateway access logs record every request. The Lambda runs in a VPC whose flow logs record all traffic. ${accessTrailImplementation}`,
    checks: [
      'ingest-writes-audit-trail',
      'api-access-logging',
      'lambda-in-isolated-network',
      'access-trail-logs-data-access',
    ],
    tests: [
      proofs.accepted,
      proofs.badSignature,
      proofs.accessLogs,
      proofs.adminRecords,
      ...accessTrailProofs,
    ],
  },
  {
    id: 'hipaa 164.312(c)(1)',
    profile: 'hipaa',
    clause: '§164.312(c)(1)',
    title: 'Integrity',
    requirement: 'ePHI is protected from improper alteration or destruction.',
    implementation:
      "The front hands the Lambda the bytes received (a REST API treats every media type as binary; an HTTP API passes the body as received, base64 unless it is text), which are verified against the provider's signature before anything is queued; an altered delivery is refused and audited. Audit records are sealed when written (an HMAC under a KMS data key table access alone does not give) and covered by signed, chained digests under Object Lock; `webhooks audit verify` checks both (docs/audit-integrity.md). The tables have point-in-time recovery and deletion protection; encrypted audit fields fail authentication if altered.",
    checks: [
      'exact-body-reaches-verifier',
      'audit-digests-signed-and-locked',
      'tables-point-in-time-recovery',
      'tables-deletion-protected',
    ],
    tests: [
      proofs.exactBytes,
      proofs.badSignature,
      proofs.digestFindings,
      proofs.sealsBeforeDigest,
      proofs.digestOffline,
      proofs.tablesEncrypted,
      proofs.fieldTampering,
    ],
  },
  {
    id: 'hipaa 164.312(e)(1)',
    profile: 'hipaa',
    clause: '§164.312(e)(1)',
    title: 'Transmission security',
    requirement:
      'ePHI sent over a network is guarded against unauthorized access, with current TLS (NIST SP 800-52: TLS 1.2 or newer).',
    implementation: `${transitImplementation} A REST API's security policy (TLS_1_2), or API Gateway's own on an HTTP API, refuses TLS older than 1.2; the profile refuses a function URL, which has no access log.`,
    checks: inTransit,
    tests: [proofs.api, proofs.tlsOnly],
  },
  {
    id: 'hipaa 164.316(b)(2)',
    profile: 'hipaa',
    clause: '§164.316(b)(2)',
    title: 'Documentation retained six years',
    requirement: 'Required documentation, audit records included, is kept six years.',
    implementation:
      "Delivery audit records keep at least the hipaa profile's class (extended, 2192 days), admin records the same, and every log group 2192 days.",
    checks: retention,
    tests: [
      {
        file: profileTable,
        name: 'keeps HIPAA §164.316(b)(2) six years of audit history and logs',
      },
      proofs.lambdaEnvironment,
      proofs.retentionFloor,
      proofs.adminRetention,
    ],
  },
  {
    id: 'gdpr 5(1)(e)',
    profile: 'gdpr',
    clause: 'Art. 5(1)(e)',
    title: 'Storage limitation',
    requirement: 'Personal data is kept no longer than necessary for its purpose.',
    implementation:
      'Under the gdpr profile no payload copy is kept at all; audit records and payload copies carry a DynamoDB TTL and are deleted when their retention ends, and every log group has a retention period.',
    checks: ['payload-copy-ceiling', 'audit-records-expire-by-ttl', 'log-retention'],
    tests: [
      { file: profileTable, name: 'keeps no payload copy under GDPR Art. 5(1)(e)' },
      proofs.payloadCeiling,
      {
        file: 'test/audit/audit-store.test.ts',
        name: 'keeps the payload copy out of the record item, in an item with the shorter TTL',
      },
      proofs.ttl,
    ],
  },
  {
    id: 'gdpr 25',
    profile: 'gdpr',
    clause: 'Art. 25',
    title: 'Data protection by design and by default',
    requirement: 'Only the personal data needed is processed and kept, by default.',
    implementation:
      "Logs never hold a body, a header or a secret: API Gateway logs no data trace, access logs name no header, and WAF logs redact the Authorization header. A payload copy, where a profile allows one, is redacted by the provider's rules and encrypted; a body whose redaction cannot be proved keeps no copy.",
    checks: ['no-bodies-or-headers-in-logs', 'payload-copy-ceiling'],
    tests: [
      {
        file: 'test/ingest/logs-and-faults.test.ts',
        name: 'accepted, duplicate, bad signature, unknown provider and 413 leave no secret or body',
      },
      {
        file: 'test/audit/redaction.test.ts',
        name: 'leaves no value at a masked path but the marker, and writes valid JSON',
      },
      {
        file: refusals,
        name: 'keeps a redacted, encrypted copy where the retention class keeps payloads',
      },
      proofs.accessLogs,
    ],
  },
  {
    id: 'gdpr 30',
    profile: 'gdpr',
    clause: 'Art. 30',
    title: 'Records of processing activities',
    requirement:
      'The controller keeps a record of processing, including time limits for erasure (30(1)(f)) and the security measures (30(1)(g)).',
    implementation:
      "Every processing of a delivery and every admin action is recorded in the audit table, which expires records by TTL. This report's retention section gives the time limit of each record class, and its controls describe the security measures.",
    checks: ['ingest-writes-audit-trail', 'audit-records-expire-by-ttl'],
    tests: [proofs.accepted, proofs.adminRecords, proofs.ttl],
  },
  {
    id: 'gdpr 32',
    profile: 'gdpr',
    clause: 'Art. 32',
    title: 'Security of processing',
    requirement:
      'Appropriate measures: encryption (32(1)(a)), confidentiality and integrity (32(1)(b)), and the ability to restore data after an incident (32(1)(c)).',
    implementation: `${encryptionImplementation} ${transitImplementation} Key use is bound to encryption contexts, and both tables have point-in-time recovery.`,
    checks: [
      ...encryptionAtRest,
      'key-use-bound-without-wildcards',
      'api-served-over-https-only',
      'queues-and-topics-require-tls',
      'tables-point-in-time-recovery',
    ],
    tests: [
      proofs.tablesEncrypted,
      proofs.queuesEncrypted,
      proofs.logGroups,
      proofs.keyUseBound,
      proofs.tlsOnly,
    ],
  },
  {
    id: 'ccpa 7101',
    profile: 'ccpa',
    clause: '11 CCR §7101',
    title: 'Record keeping',
    requirement:
      'Records of consumer requests, and of how the business responded, are kept at least 24 months.',
    implementation:
      "Delivery audit records keep at least the ccpa profile's class (consumer-requests, 731 days) and admin records, where the CLI's actions are kept, six years; both are protected by point-in-time recovery.",
    checks: ['delivery-audit-retention', 'admin-audit-retention', 'tables-point-in-time-recovery'],
    tests: [
      { file: profileTable, name: 'keeps CCPA §7101 records of consumer requests 24 months' },
      proofs.retentionFloor,
      proofs.adminRetention,
    ],
  },
];

/** The controls of the regulations `profiles` name, in catalogue order. */
export function controlsFor(profiles: readonly ComplianceProfileName[]): Control[] {
  return controls.filter((control) => profiles.includes(control.profile));
}
