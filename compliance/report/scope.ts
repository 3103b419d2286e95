/**
 * The scope statement of a deployment: what enters the receiver, what it verifies and refuses,
 * where each thing it keeps is stored, for how long, and who can read it, and what lies outside
 * it. An assessor draws the boundary of the assessment from this (PCI DSS v4.0.1 12.5.2; the
 * inventory for a HIPAA §164.308(a)(1)(ii)(A) risk analysis) before judging any control.
 *
 * Built from the report: how long each store keeps data comes from the report's retention rows
 * (read from the template) wherever a row exists, and from functions/config where code, not the
 * template, sets it. Who can read what follows the construct's grants (infra/grants.ts) and key
 * policies (infra/key-policies.ts).
 */
import { payloadBucket } from '../../functions/config/buckets.ts';
import { maxBodySizeBytes } from '../../functions/config/limits.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { auditDays, combineProfiles } from '../profiles.ts';
import type { RetentionRow } from './record-classes.ts';
import type { ComplianceReport } from './report.ts';

/** One place the receiver keeps data. */
export interface ScopeStore {
  readonly store: string;
  readonly holds: string;
  /** How long, from the report's retention rows where they give it. */
  readonly kept: string;
  readonly readers: string;
}

/** One KMS key, what it protects and who may use it: the key custodians. */
export interface ScopeKey {
  readonly key: string;
  readonly protects: string;
  readonly use: string;
}

/** The template resources of one CloudFormation type that this report's evidence names. */
export interface ScopeResources {
  readonly type: string;
  readonly logicalIds: readonly string[];
}

export interface ScopeStatement {
  readonly enters: readonly string[];
  readonly refused: readonly string[];
  readonly stores: readonly ScopeStore[];
  readonly keys: readonly ScopeKey[];
  readonly outOfScope: readonly string[];
  /** The inventory the controls' evidence shows, by type (settings made in code left out). */
  readonly resources: readonly ScopeResources[];
}

/**
 * The class erasure receipts are kept under (ops/erasure/erasure-receipt.ts
 * `erasureRetentionClass`, which compliance/ may not import; docs/gdpr-article-30.md states the
 * same 24 months).
 */
const erasureReceiptClass = 'consumer-requests';

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);

/** The scope of the deployment `report` describes. */
export function scopeStatement(report: ComplianceReport): ScopeStatement {
  const kept = keptFrom(report);
  return {
    enters: [
      `HTTPS requests from providers to POST /v1/webhooks/{providerId} (and the GET handshakes of the few providers that use one): the body as raw bytes, at most ${maxBodySizeBytes.toLocaleString('en-US')} bytes; the request headers; the path's provider id; the source address API Gateway saw (never a forwarding header) and the user agent.`,
      'Provider secrets and public keys, from operators through `webhooks providers add` and `rotate`, encrypted by KMS under the secrets key before they are stored.',
      'Operators’ requests through the `webhooks` CLI (reads, erasures, provider changes), each under the caller’s AWS identity.',
    ],
    refused: [
      'TLS before 1.2, and plain HTTP: refused by the front.',
      'With a WAF: requests over the rate limit per source, from the Amazon IP reputation list, or matching the blocking managed rules.',
      `A body over ${maxBodySizeBytes.toLocaleString('en-US')} bytes (413) and any method the provider’s scheme does not answer (405).`,
      'An unknown or disabled provider, a source outside the provider’s allowlist (checked before the signature), a missing, repeated or bad signature, a timestamp outside the tolerance: all 401 with one generic body.',
      'A repeat of a delivery already accepted within its dedup window: answered 200 and recorded, never queued again.',
      'Every refusal the ingest function makes is audited with its reason, source address and user agent, within a per-source budget, and no refused body is kept or queued; the WAF logs what it blocks or counts.',
    ],
    stores: [
      {
        store: 'Delivery queue (SQS FIFO)',
        holds:
          'Each accepted delivery’s envelope: the exact body (or a pointer to the payload bucket), the headers except credentials, the ids',
        kept: kept.deliveryQueue,
        readers:
          'The customer’s consumers, through `grantConsumeDeliveries` (receive and delete; SQS decrypts for them); the ingest function only sends.',
      },
      {
        store: 'Dead-letter queue (SQS FIFO)',
        holds: `Deliveries the consumers failed to process ${deliveryQueue.maxReceiveCount} times, as on the delivery queue`,
        kept: kept.deadLetterQueue,
        readers: 'Only whom the customer’s IAM allows; no grant of the construct reads it.',
      },
      {
        store: 'Payload bucket (S3)',
        holds: 'The exact body of a delivery too large for a queue message',
        kept: `at most ${days(payloadBucket.expirationDays + 1)} after it was written (lifecycle rule of ${days(payloadBucket.expirationDays)}, which S3 rounds up to midnight UTC); \`webhooks audit erase\` deletes it at once`,
        readers:
          'The consumers, through `grantConsumeDeliveries` (GetObject; S3 decrypts for them); the ingest function may only put objects.',
      },
      {
        store: 'Audit table (DynamoDB): delivery records',
        holds:
          'One record per delivery attempt: provider, delivery and event ids, outcome and reason, times, the body’s SHA-256, source address and user agent; the headers encrypted per field (none under the minimal class)',
        kept: kept.deliveryRecords,
        readers:
          '`grantReadAuditRecords` (not the encrypted fields) and `grantReadPayloadCopies` (with them); the digest function and the self-audit read; the ingest function writes.',
      },
      {
        store: 'Audit table (DynamoDB): payload copies',
        holds:
          'An accepted body after the provider’s redaction rules, compressed and encrypted per field, an item of its own',
        kept: kept.payloadCopies,
        readers:
          'Only `grantReadPayloadCopies`, which may decrypt audit fields; `webhooks replay` queues a copy again.',
      },
      {
        store: 'Audit table (DynamoDB): admin records and erasure receipts',
        holds: 'Who did what, when, from which host, and the outcome; never key text',
        kept: `admin records ${kept.adminRecords}; erasure receipts ${days(auditDays(erasureReceiptClass))} (class ${erasureReceiptClass})`,
        readers: 'As the delivery records; each operator grant also writes them.',
      },
      {
        store: 'Registry table (DynamoDB)',
        holds:
          'Provider settings and their keys as KMS ciphertexts; no personal data and no delivery',
        kept: 'until the provider is removed (`webhooks providers remove`)',
        readers:
          '`grantAdministerProviders` (cannot decrypt keys); the ingest function, the only one that may decrypt them; `grantReadAuditRecords` lists provider ids.',
      },
      {
        store: 'Audit digests (S3, Object Lock in compliance mode)',
        holds:
          'Signed, chained digests of the audit records of each 15 minutes: ids, times and hashes',
        kept: `locked as long as delivery records are kept: ${kept.deliveryRecords}`,
        readers:
          'Whom the customer’s IAM allows (S3 decrypts under the audit key for the account’s principals); only the digest function writes.',
      },
      {
        store: 'Backups (AWS Backup vault under Vault Lock)',
        holds: 'Daily copies of the audit and registry tables',
        kept: kept.backups,
        readers:
          'Whom the customer’s IAM allows to restore; the vault lock forbids deleting a copy sooner.',
      },
      {
        store: 'Point-in-time recovery of both tables',
        holds:
          'Every state of the audit and registry tables over the period, restorable to the second',
        kept: kept.recovery,
        readers: 'Whom the customer’s IAM allows to restore.',
      },
      {
        store: 'Access trail (CloudTrail, its bucket under Object Lock)',
        holds:
          'Data events on the tables, the queues and the digest and payload buckets (who read or wrote what, when, from where), and the region’s management events, every use of the keys included; no body',
        kept: kept.accessTrail,
        readers:
          'Whom the customer’s IAM allows; the files are under a key of their own, decrypted through S3 only; only CloudTrail writes.',
      },
      {
        store: 'Log groups (CloudWatch Logs)',
        holds:
          'Function logs (ids, outcomes, reasons; never a body, header or secret), API access logs (source address, user agent, path, status), WAF logs of blocked and counted requests (credential headers redacted), VPC flow logs',
        kept: kept.logs,
        readers:
          'Whom the customer’s IAM allows to read CloudWatch Logs; CloudWatch Logs decrypts under the audit key for the account’s log groups.',
      },
    ],
    keys: [
      {
        key: 'Secrets key',
        protects: 'Provider secrets and public keys; the registry table',
        use: 'Only the ingest function decrypts provider keys, under their encryption context; operators may encrypt and re-encrypt; DynamoDB uses it for the table.',
      },
      {
        key: 'Audit key',
        protects:
          'The audit table, its field data keys, seal keys and subject-index secret; the digests; the backups; every log group; the alarm topic',
        use: 'The ingest function generates and decrypts field and seal keys under their purposes; auditors with `grantReadPayloadCopies` decrypt fields (with `keyCustodians`, only the roles it names); operators seal admin records; DynamoDB, S3, CloudWatch Logs and SNS use it for their resources.',
      },
      {
        key: 'Queue key',
        protects: 'Both queues and the payload bucket',
        use: 'SQS and S3 only, for the ingest function and the consumers (with `keyCustodians`, only the consumer roles it names).',
      },
      {
        key: 'Trail key (with `accessTrail`)',
        protects: 'The access trail’s files',
        use: 'CloudTrail encrypts for this trail only; the account’s principals, as IAM allows, decrypt through S3 only. Apart from the audit key, whose every use the trail records.',
      },
      {
        key: 'Every key',
        protects: '—',
        use: 'The account’s key administrators may manage a key but not use it or turn rotation off; who they are is the customer’s IAM, and with `keyGuard` only its break-glass role may disable or delete a key. A changed key policy, or an attempt to disable or delete a key, notifies the alarm topic. Keys rotate yearly.',
      },
    ],
    resources: resourcesOf(report),
    outOfScope: [
      'The consumers downstream of the delivery queue and the payload bucket: what they keep, for how long, who reads it and how they erase it.',
      'The providers’ systems: how they sign, what they send, and what they keep.',
      'The AWS account’s identity and logging setup: IAM users and roles and who holds each grant, MFA, AWS CloudTrail, AWS Config recorders, GuardDuty, service control policies.',
      'The operators’ workstations, and files written there by `webhooks audit export`.',
      'AWS’s own infrastructure (facilities, hosts, storage media, time sources), covered by AWS’s attestations and, for HIPAA, the AWS BAA.',
      '`npm start`’s local stack: a development tool on local stand-ins that holds no production data.',
    ],
  };
}

interface Kept {
  readonly deliveryQueue: string;
  readonly deadLetterQueue: string;
  readonly deliveryRecords: string;
  readonly payloadCopies: string;
  readonly adminRecords: string;
  readonly logs: string;
  readonly recovery: string;
  readonly backups: string;
  readonly accessTrail: string;
}

/**
 * How long each store keeps data: the report's retention row where it has one (read from the
 * template), else what the profiles ask, said as such.
 */
function keptFrom(report: ComplianceReport): Kept {
  const row = (prefix: string): RetentionRow | undefined =>
    report.retention.find((r) => r.recordClass.startsWith(prefix));
  const keptOr = (prefix: string, otherwise: string) => {
    const found = row(prefix)?.kept;
    return found === undefined || found.startsWith('(') ? otherwise : found;
  };
  const required = combineProfiles(report.profiles);
  const floorDays = auditDays(required.deliveryAuditFloor);
  const deliveryRecords = keptOr(
    'Delivery audit records',
    `at least ${days(floorDays)} (what the profiles ask; not found in the template)`,
  );
  const logs = keptOr(
    'Logs',
    `at least ${days(required.logRetentionDays)} (what the profiles ask)`,
  );
  const recoveries = report.retention
    .filter((r) => r.recordClass.startsWith('Point-in-time recovery'))
    .map((r) => `${r.recordClass.replace('Point-in-time recovery of the ', '')}: ${r.kept}`);
  return {
    deliveryQueue: `until a consumer deletes it: ${keptOr('Deliveries on the delivery queue', 'at most 4 days (SQS default)')}`,
    deadLetterQueue: `${keptOr('Deliveries on the dead-letter queue', 'at most 4 days (SQS default)')}, counted from the move`,
    deliveryRecords,
    payloadCopies: keptOr(
      'Redacted payload copies',
      `at most ${days(retentionClasses[required.payloadCopyCeiling].payloadDays)} (what the profiles allow; not found in the template)`,
    ),
    adminRecords: keptOr('Admin audit records', 'six years'),
    logs,
    recovery: recoveries.length === 0 ? 'not found in the template' : recoveries.join('; '),
    accessTrail: required.accessTrailRequired
      ? `each file locked for the log groups' retention, then deleted: ${logs}`
      : 'no trail is required by these profiles (`accessTrail` may still turn one on)',
    backups: required.backupPlanRequired
      ? `each copy as long as delivery records: ${deliveryRecords}`
      : 'no backup plan is required by these profiles',
  };
}

/** Every template resource the controls' evidence names, by type, each type and id once, sorted. */
function resourcesOf(report: ComplianceReport): ScopeResources[] {
  const byType = new Map<string, Set<string>>();
  for (const { resource, type } of report.controls
    .flatMap((control) => control.checks)
    .flatMap((check) => check.evidence)) {
    // A logical id is alphanumeric; evidence may also name `(the VPC)` or a key with its alias.
    if (!type.includes('::') || !/^[A-Za-z0-9]+$/.test(resource)) continue;
    byType.set(type, (byType.get(type) ?? new Set()).add(resource));
  }
  return [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, ids]) => ({ type, logicalIds: [...ids].sort() }));
}
