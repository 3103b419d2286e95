/**
 * The audit record of one admin action (`webhooks providers …`, `webhooks audit …`) and its
 * mapping to and from the audit table's item (functions/config/tables.ts `auditTable`).
 *
 * It holds who (the caller's identity and host), what (the action, its target, how it ended
 * and details that are settings or counts, never key text) and when: PCI DSS v4.0.1 10.2.1.2
 * asks for every action taken with administrative access, 10.2.1.3 for every access to the
 * audit logs (`audit list` and `audit show`, which decrypts), and 10.2.2 for these fields.
 *
 * Item layout, beside the delivery records and dedup markers:
 *   pk         `_admin`: a delivery record's pk starts with a provider id, which never starts
 *              with `_`, and a marker's with `dedup#`. Admin actions are rare, so one
 *              partition is no hot spot, and a time range is one Query.
 *   sk         `<ISO-8601 at>#<requestId>`: time first, so a time range is a Query
 *   expiresAt  Unix seconds: at + the `extended` class's auditDays (DynamoDB TTL)
 *   no `deliveryId` attribute, so admin records stay out of the byDeliveryId index (and out
 *   of `audit show`); the other fields as attributes of their own name, `detail` as a map.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidAuditRecordError, MalformedAuditItemError } from '../../functions/audit/errors.ts';
import { type AuditItem, auditExpiresAt, auditTimeKey } from '../../functions/audit/record.ts';
import { isText, show } from '../../functions/audit/text.ts';
import { adminRetentionClass } from '../../functions/config/retention.ts';
import { isProviderId } from '../../functions/registry/provider.ts';

export const adminActions = [
  'provider.add',
  'provider.rotate',
  'provider.disable',
  'provider.enable',
  'provider.remove',
  /** `webhooks providers bind`: keys from before settings binding bound to the stored settings. */
  'provider.bind',
  /** `webhooks providers update`: a provider's source allowlist changed. */
  'provider.update',
  /** `webhooks send --register-test-key`: a test key pair's public half added as a key. */
  'provider.add-test-key',
  /**
   * A provider's published source ranges replaced by a newer copy of its list: by the
   * scheduled refresher (its role the actor) or `webhooks providers refresh-sources`.
   */
  'provider.refresh-sources',
  /** `webhooks send`: a signed test delivery posted to the deployment's webhook URL. */
  'delivery.send',
  /** `webhooks replay`: a delivery's payload copy queued again. */
  'delivery.replay',
  'audit.list',
  'audit.show',
  'audit.stats',
  'audit.export',
  /** `webhooks audit erase`: records' personal fields and payload copies erased, a receipt written. */
  'audit.erase',
  /** `webhooks audit receipts`: the erasure receipts read. */
  'audit.receipts',
  /** `webhooks audit verify`: the records checked against the signed digests. */
  'audit.verify',
  /**
   * `webhooks audit rotate-subject-secret`: a new version of the subject-index secret, the
   * one it replaced kept for erasure (functions/audit/subject-index-secret.ts).
   */
  'audit.rotate-subject-secret',
  /**
   * A self-audit run (scheduled/self-audit/): by the construct's schedule (its role the actor)
   * or `webhooks compliance audit`. Its details say what was checked, passed, failed and not
   * run, against which template; the whole run is an item of its own (ops/review/run-record.ts),
   * whose SHA-256 the record names.
   */
  'compliance.audit',
] as const;

/** What was done: a change to a provider, or a read of the audit trail. */
export type AdminAction = (typeof adminActions)[number];

export const adminOutcomes = ['succeeded', 'failed'] as const;

/** `failed`: the deployment refused the action or could not be reached; `reason` says which. */
export type AdminOutcome = (typeof adminOutcomes)[number];

/**
 * The details an admin record may carry, each a setting, a version or a count. A list, not
 * any name: a new detail is added here on purpose, and none may hold key text.
 */
export const adminDetailNames = [
  /** `providers add --provider`: the catalog entry its settings came from. */
  'namedProvider',
  'scheme',
  'keyKind',
  'keyVersion',
  /** `providers bind`: the key versions moved to the bound context, or `none`. */
  'keysBound',
  'graceSeconds',
  /** When the keys a rotation kept stop being accepted (ISO 8601). */
  'olderKeysNotAfter',
  'retentionClass',
  'toleranceSeconds',
  /** Option names only: a value could be a URL that carries a token. */
  'options',
  /** `path=action` rules, comma-separated. */
  'redaction',
  'revision',
  /** Which trail `audit.list` read: `deliveries` or `admin`. */
  'trail',
  'since',
  /** The end of the range `audit.stats` and `audit.export` read (ISO 8601). */
  'until',
  /** The file format `audit.export` wrote: `jsonl` or `csv`. */
  'format',
  'outcomeFilter',
  'records',
  /** The providers whose records `audit.show` found. */
  'providers',
  'fieldsDecrypted',
  'fieldsNotDecrypted',
  /** When a test key stops being accepted (ISO 8601). */
  'keyNotAfter',
  /** What `delivery.send` signed with: `registered`, `stdin`, `file` or `test-key`. */
  'keySource',
  'deliveryId',
  /** The status the webhook URL answered `delivery.send` with. */
  'httpStatus',
  /** The SQS message id `delivery.replay` sent. */
  'queueMessageId',
  /** The SQS message id of the delivery a replay copies. */
  'replayOf',
  /** The JSON path of a provider's data-subject key (`provider.add`). */
  'subjectKeyPath',
  /**
   * A provider's source allowlist after `provider.add` or `provider.update`, as counts and the
   * published list's name (`ranges=3,published=github`), or `any`; never the ranges themselves,
   * which can be a provider's whole published list.
   */
  'sources',
  /** What `audit.erase` selected by: `delivery`, `range` or `subject` (never a subject's value). */
  'selector',
  /** `audit.erase` with `--dry-run`: `true`. */
  'dryRun',
  /**
   * The subject-index secret's versions (`v2,v1`): those `audit.erase --subject` looked the
   * subject up under, those `audit.rotate-subject-secret` left held (the new one `keyVersion`).
   */
  'subjectIndexVersions',
  /** `audit.rotate-subject-secret`: versions dropped as past the longest retention, or `none`. */
  'subjectIndexVersionsDropped',
  /** The erasure receipt `audit.erase` wrote. */
  'receiptId',
  /** `audit.erase`'s counts. */
  'recordsErased',
  'recordsAlreadyErased',
  'recordsNotFound',
  'payloadCopiesDeleted',
  'bodyObjectsDeleted',
  /**
   * `audit.verify`'s counts: records verified, and findings (any kind); `compliance.audit`'s
   * findings over every check.
   */
  'recordsVerified',
  'findings',
  /** `provider.refresh-sources`: the published source list refreshed (ops/source-lists). */
  'publishedList',
  /** `provider.refresh-sources`'s counts: ranges the list gained and lost. */
  'rangesAdded',
  'rangesRemoved',
  /**
   * `provider.refresh-sources`: the ranges gained (`+`) and lost (`-`), space-separated, cut
   * short with `…` past the detail's length (published ranges are public, never personal data).
   */
  'rangeChanges',
  /** `compliance.audit`: who started the run, `schedule` or `operator`. */
  'trigger',
  /** `compliance.audit`: the compliance profiles checked, comma-separated. */
  'profiles',
  /** `compliance.audit`: the numbers the run checked against (whole days). */
  'cryptoperiodDays',
  'idleProviderDays',
  /** `compliance.audit`: the checks by outcome, comma-separated check names, or `none`. */
  'checksPassed',
  'checksFailed',
  'checksNotRun',
  /** `compliance.audit`: each check not run and why (`check: action (error)`), cut short with `…`. */
  'notRunReasons',
  /** `compliance.audit`: the failed checks' first findings, `; `-separated, cut short with `…`. */
  'findingSummary',
  /** `compliance.audit`: SHA-256 of the deployed template checked (CloudFormation GetTemplate). */
  'templateSha256',
  /** `compliance.audit`: SHA-256 of the run's full record (ops/review/run-record.ts `runSha256`). */
  'runSha256',
] as const;

export type AdminDetailName = (typeof adminDetailNames)[number];

export type AdminDetail = Partial<Record<AdminDetailName, string>>;

/** One admin action, as the CLI hands it to the audit store. */
export interface AdminRecord {
  /** Random per action (a UUID): names the action, and keeps two in one millisecond apart. */
  readonly requestId: string;
  /** Who: an IAM ARN from STS GetCallerIdentity, or `local:<user>` for the local stack. */
  readonly actor: string;
  /** The host the CLI ran on. */
  readonly host: string;
  readonly action: AdminAction;
  /**
   * What it acted on: a provider id for `provider.*` and `audit.list --provider`, a delivery
   * id for `audit.show`, `*` for a listing of every provider or of the admin trail, the
   * deployment checked (a stack's name, or `local`) for `compliance.audit`.
   */
  readonly target: string;
  /** When the outcome was known. */
  readonly atMs: number;
  readonly outcome: AdminOutcome;
  /** The error code that made it fail; present exactly when it failed. */
  readonly reason?: string;
  readonly detail: AdminDetail;
}

/** The partition of every admin record. */
export const adminPartitionKey = '_admin';

/** Longest accepted lengths, in characters; the sort key must stay under DynamoDB's 1 KiB. */
export const adminFieldLimits = {
  requestId: 128,
  /** IAM's limit on an ARN. */
  actor: 2048,
  /** RFC 1035's limit on a host name. */
  host: 255,
  target: 256,
  reason: 256,
  detailValue: 1024,
} as const;

const requestIdPattern = /^[A-Za-z0-9._:-]+$/;
/** `toISOString` keeps its fixed 24-character, sortable form only within years 0 to 9999. */
const latestAtMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The sort key of an admin record. */
export function adminSortKey(record: Pick<AdminRecord, 'atMs' | 'requestId'>): string {
  return `${auditTimeKey(record.atMs)}#${record.requestId}`;
}

/** Whether the action reads the audit trail rather than changing a provider. */
export function isReadAction(action: AdminAction): boolean {
  // These change the trail or its index: printed when done, even if their record then fails.
  return (
    action.startsWith('audit.') &&
    action !== 'audit.erase' &&
    action !== 'audit.rotate-subject-secret'
  );
}

/** Every rule the record breaks, each naming the value received; empty when valid. */
export function adminRecordProblems(record: AdminRecord): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: () => string) => {
    if (!ok) problems.push(problem());
  };
  check(
    isText(record.requestId, adminFieldLimits.requestId) && requestIdPattern.test(record.requestId),
    () =>
      `requestId must be 1 to ${adminFieldLimits.requestId} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-', got ${show(record.requestId)}`,
  );
  for (const name of ['actor', 'host', 'target'] as const) {
    check(
      isText(record[name], adminFieldLimits[name]),
      () =>
        `${name} must be 1 to ${adminFieldLimits[name]} characters without control characters, got ${show(record[name])}`,
    );
  }
  check(
    (adminActions as readonly unknown[]).includes(record.action),
    () => `action must be one of ${adminActions.join(', ')}, got ${show(record.action)}`,
  );
  check(
    typeof record.action !== 'string' ||
      !record.action.startsWith('provider.') ||
      isProviderId(record.target),
    () => `target of ${record.action} must be a provider id, got ${show(record.target)}`,
  );
  check(
    Number.isSafeInteger(record.atMs) && record.atMs >= 0 && record.atMs <= latestAtMs,
    () => `atMs must be a whole number of milliseconds from 1970 to 9999, got ${record.atMs}`,
  );
  check(
    (adminOutcomes as readonly unknown[]).includes(record.outcome),
    () => `outcome must be one of ${adminOutcomes.join(', ')}, got ${show(record.outcome)}`,
  );
  check(
    (record.outcome === 'failed') === (record.reason !== undefined),
    () =>
      `reason must be present exactly when the outcome is failed (outcome ${show(record.outcome)})`,
  );
  check(
    record.reason === undefined || isText(record.reason, adminFieldLimits.reason),
    () =>
      `reason must be 1 to ${adminFieldLimits.reason} characters without control characters, got ${show(record.reason)}`,
  );
  const detail = typeof record.detail === 'object' && record.detail !== null ? record.detail : {};
  check(detail === record.detail, () => 'detail must be a map of names to text');
  for (const [name, value] of Object.entries(detail)) {
    check(
      (adminDetailNames as readonly string[]).includes(name),
      () => `detail ${show(name)} is not one of ${adminDetailNames.join(', ')}`,
    );
    check(
      isText(value, adminFieldLimits.detailValue),
      () =>
        `detail ${show(name)} must be 1 to ${adminFieldLimits.detailValue} characters without control characters, got ${show(value)}`,
    );
  }
  return problems;
}

/** The record as an audit-table item; InvalidAuditRecordError if it breaks a rule. */
export function toAdminItem(record: AdminRecord): AuditItem {
  const problems = adminRecordProblems(record);
  if (problems.length > 0) throw new InvalidAuditRecordError(problems);
  const expiresAt = auditExpiresAt({
    receivedAtMs: record.atMs,
    retentionClass: adminRetentionClass,
  });
  return {
    pk: { S: adminPartitionKey },
    sk: { S: adminSortKey(record) },
    expiresAt: { N: String(expiresAt) },
    requestId: { S: record.requestId },
    actor: { S: record.actor },
    host: { S: record.host },
    action: { S: record.action },
    target: { S: record.target },
    atMs: { N: String(record.atMs) },
    outcome: { S: record.outcome },
    ...(record.reason === undefined ? {} : { reason: { S: record.reason } }),
    detail: {
      M: Object.fromEntries(
        Object.entries(record.detail).map(([name, value]) => [name, { S: value }]),
      ),
    },
    retentionClass: { S: adminRetentionClass },
  };
}

/** The record an admin item holds; MalformedAuditItemError if it is not one. */
export function fromAdminItem(item: AuditItem): AdminRecord {
  const problems: string[] = [];
  const string = (name: string, value: AttributeValue | undefined = item[name]) => {
    if (value === undefined) return undefined;
    if (value.S === undefined) problems.push(`${name} is not a string`);
    return value.S;
  };
  const detailItem = item.detail?.M;
  if (detailItem === undefined) problems.push('detail is not a map');
  // In the list's order: DynamoDB keeps no order of a map's entries.
  const detail = Object.fromEntries(
    Object.entries(detailItem ?? {})
      .sort(([a], [b]) => detailRank(a) - detailRank(b))
      .map(([name, value]) => [name, string(`detail.${name}`, value)]),
  );
  const record = {
    requestId: string('requestId'),
    actor: string('actor'),
    host: string('host'),
    action: string('action'),
    target: string('target'),
    atMs: item.atMs?.N === undefined ? Number.NaN : Number(item.atMs.N),
    outcome: string('outcome'),
    reason: string('reason'),
    detail,
  };
  const present = Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as unknown as AdminRecord;
  problems.push(...adminRecordProblems(present));
  if (problems.length === 0) {
    if (item.pk?.S !== adminPartitionKey) {
      problems.push(`pk should be ${show(adminPartitionKey)}, got ${show(item.pk?.S)}`);
    }
    if (item.sk?.S !== adminSortKey(present))
      problems.push('sk does not match the record it holds');
  }
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  return present;
}

function detailRank(name: string): number {
  const rank = (adminDetailNames as readonly string[]).indexOf(name);
  return rank < 0 ? adminDetailNames.length : rank;
}
