/**
 * The record of one self-audit run (scheduled/self-audit/run.ts), as the audit table keeps it:
 * what each check found in full, the settings it ran with and the principal sets the next
 * run's `access-changes` compares with. Written beside the run's admin record (`compliance.audit`,
 * ../admin-trail/admin-record.ts), which holds a bounded summary and this record's SHA-256.
 *
 * Why an item of its own rather than details of the admin record: an admin record's details
 * are at most 1,024 characters each, and a run's findings (one per provider key, one per
 * changed principal) and principal sets (key-policy ARNs) outgrow that. The admin partition
 * holds every admin action, so `webhooks compliance history` and the next run would also have
 * to read past all of them to find runs; here the runs are one partition, newest first.
 * The admin record is sealed and covered by the trail's digests (ops/integrity); it names this
 * item's SHA-256 (`runSha256`), so a change to this item shows against it, and this item is
 * sealed too (`item` scope, the operator's writer).
 *
 * Item layout:
 *   pk         `_self-audit`: a provider id never starts with `_`, and no other record uses it
 *   sk         `<ISO-8601 startedAt>#<runId>`: newest first is one Query
 *   expiresAt  Unix seconds: the admin records' retention (DynamoDB TTL), kept as long as the
 *              admin record that cites it
 *   runId, atMs (finished), actor, host, trigger (`schedule` or `operator`), target
 *   statuses   a map of each check's status: what the compliance report reads of every run
 *   run        the run as JSON, bounded (`runRecordLimits`)
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import { type AuditItem, auditExpiresAt, auditTimeKey } from '../../functions/audit/record.ts';
import { isText } from '../../functions/audit/text.ts';
import { adminRetentionClass } from '../../functions/config/retention.ts';
import {
  type SelfAuditCheckName,
  type SelfAuditCheckStatus,
  selfAuditCheckNames,
  selfAuditCheckStatuses,
} from '../../functions/config/self-audit.ts';
import type { PrincipalSets } from './access-changes.ts';

/** The partition of every run record. */
export const selfAuditPartitionKey = '_self-audit';

/** Who started a run: the construct's schedule, or an operator (`webhooks compliance audit`). */
export const selfAuditTriggers = ['schedule', 'operator'] as const;
export type SelfAuditTrigger = (typeof selfAuditTriggers)[number];

/** One check of a run. */
export interface SelfAuditCheck {
  readonly name: SelfAuditCheckName;
  readonly status: SelfAuditCheckStatus;
  /** Why it could not run: the action and the error. Present exactly when `not_run`. */
  readonly reason?: string;
  /** What it checked, in one line. @default - nothing said */
  readonly summary?: string;
  /** What it flags; for a failed check at least one, for a passed one none. */
  readonly findings: readonly string[];
}

/** The numbers a run checked against. */
export interface SelfAuditRunSettings {
  readonly cryptoperiodDays: number;
  readonly idleProviderDays: number;
  readonly integrityWindowSeconds: number;
}

/** What runSelfAudit returns. */
export interface SelfAuditRun {
  /** A UUID. */
  readonly runId: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The CloudFormation stack checked. @default - none: the local stack */
  readonly stack?: string;
  /** SHA-256 of the deployed template `template-controls` read. @default - none read */
  readonly templateSha256?: string;
  readonly profiles: readonly string[];
  readonly settings: SelfAuditRunSettings;
  /** One per name of `selfAuditCheckNames`, in its order. */
  readonly checks: readonly SelfAuditCheck[];
  /**
   * Who may decrypt or read the audit trail, by resource, as this run read it (or, when it could
   * not, as the run before it had): what the next run's `access-changes` compares with.
   * @default - never read
   */
  readonly principals?: PrincipalSets;
  /** When `principals` were read. @default - with `principals`, this run's start */
  readonly principalsReadAt?: string;
}

/** A run as recorded: the run, who ran it and where. */
export interface SelfAuditRunRecord {
  readonly run: SelfAuditRun;
  /** An IAM ARN (the schedule's role, or the operator's), or `local:<user>`. */
  readonly actor: string;
  /** The Lambda function (`lambda:<name>`) or the operator's host. */
  readonly host: string;
  readonly trigger: SelfAuditTrigger;
  /** The deployment checked: the stack's name (and instance), or `local`. */
  readonly target: string;
}

/** What one run record keeps at most: the item must stay well under DynamoDB's 400 KB. */
export const runRecordLimits = {
  findingsPerCheck: 50,
  findingChars: 500,
  reasonChars: 1_000,
  principalsPerResource: 500,
  principalChars: 2_048,
} as const;

const runIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** `text` cut to `max` characters, the cut marked with `…`. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The run within `runRecordLimits`: the findings past a check's limit are counted, not kept. */
export function boundedRun(run: SelfAuditRun): SelfAuditRun {
  const limits = runRecordLimits;
  return {
    ...run,
    checks: run.checks.map((check) => {
      const kept = check.findings
        .slice(0, limits.findingsPerCheck)
        .map((finding) => cut(finding, limits.findingChars));
      const left = check.findings.length - kept.length;
      return {
        ...check,
        ...(check.reason === undefined ? {} : { reason: cut(check.reason, limits.reasonChars) }),
        ...(check.summary === undefined ? {} : { summary: cut(check.summary, limits.reasonChars) }),
        findings: left > 0 ? [...kept, `… and ${left} more findings, not kept`] : kept,
      };
    }),
    ...(run.principals === undefined
      ? {}
      : {
          principals: Object.fromEntries(
            Object.entries(run.principals).map(([resource, principals]) => [
              cut(resource, limits.principalChars),
              principals
                .slice(0, limits.principalsPerResource)
                .map((principal) => cut(principal, limits.principalChars)),
            ]),
          ),
        }),
  };
}

/** The names of the run's checks with each status. */
export function checksByStatus(run: Pick<SelfAuditRun, 'checks'>) {
  const named = (status: SelfAuditCheckStatus) =>
    run.checks.filter((check) => check.status === status).map((check) => check.name);
  return { passed: named('passed'), failed: named('failed'), notRun: named('not_run') };
}

/** The sort key of a run's item. */
export function runSortKey(run: Pick<SelfAuditRun, 'startedAt' | 'runId'>): string {
  return `${auditTimeKey(Date.parse(run.startedAt))}#${run.runId}`;
}

/** SHA-256 (hex) of the run as its item keeps it: what the admin record names. */
export function runSha256(item: AuditItem): string {
  return createHash('sha256')
    .update(item.run?.S ?? '', 'utf8')
    .digest('hex');
}

/** Every rule the record breaks; empty when it can be written. */
export function runRecordProblems(record: SelfAuditRunRecord): string[] {
  const problems: string[] = [];
  const { run } = record;
  if (typeof run.runId !== 'string' || !runIdPattern.test(run.runId)) {
    problems.push(`runId must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'`);
  }
  for (const name of ['startedAt', 'finishedAt'] as const) {
    const ms = Date.parse(run[name]);
    if (!Number.isFinite(ms) || auditTimeKey(ms) !== run[name]) {
      problems.push(`${name} must be an ISO 8601 UTC time, got ${JSON.stringify(run[name])}`);
    }
  }
  for (const name of ['actor', 'host', 'target'] as const) {
    if (!isText(record[name], 2048)) problems.push(`${name} must be 1 to 2048 characters of text`);
  }
  if (!(selfAuditTriggers as readonly unknown[]).includes(record.trigger)) {
    problems.push(`trigger must be one of ${selfAuditTriggers.join(', ')}`);
  }
  problems.push(...checkProblems(run.checks));
  return problems;
}

function checkProblems(checks: unknown): string[] {
  if (!Array.isArray(checks)) return ['checks must be a list'];
  const problems: string[] = [];
  checks.forEach((check: Partial<SelfAuditCheck>, index) => {
    const at = `checks[${index}]`;
    if (!(selfAuditCheckNames as readonly unknown[]).includes(check?.name)) {
      problems.push(`${at}.name is not a self-audit check`);
    }
    if (!(selfAuditCheckStatuses as readonly unknown[]).includes(check?.status)) {
      problems.push(`${at}.status must be one of ${selfAuditCheckStatuses.join(', ')}`);
    }
    if ((check?.status === 'not_run') !== (typeof check?.reason === 'string')) {
      problems.push(`${at}.reason must be given exactly when it did not run`);
    }
    if (!Array.isArray(check?.findings) || !check.findings.every((f) => typeof f === 'string')) {
      problems.push(`${at}.findings must be a list of text`);
    }
  });
  return problems;
}

/** The record as an audit-table item, bounded; MalformedAuditItemError if it breaks a rule. */
export function toRunItem(record: SelfAuditRunRecord): AuditItem {
  const problems = runRecordProblems(record);
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  const run = boundedRun(record.run);
  const atMs = Date.parse(run.finishedAt);
  return {
    pk: { S: selfAuditPartitionKey },
    sk: { S: runSortKey(run) },
    expiresAt: {
      N: String(auditExpiresAt({ receivedAtMs: atMs, retentionClass: adminRetentionClass })),
    },
    runId: { S: run.runId },
    atMs: { N: String(atMs) },
    actor: { S: record.actor },
    host: { S: record.host },
    trigger: { S: record.trigger },
    target: { S: record.target },
    statuses: {
      M: Object.fromEntries(run.checks.map((check) => [check.name, { S: check.status }])),
    },
    run: { S: JSON.stringify(run) },
    retentionClass: { S: adminRetentionClass },
  };
}

/** The record a run item holds; MalformedAuditItemError if it is not one. */
export function fromRunItem(item: AuditItem): SelfAuditRunRecord {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = item[name]?.S;
    if (value === undefined) problems.push(`${name} is not a string`);
    return value ?? '';
  };
  let run: SelfAuditRun | undefined;
  try {
    run = JSON.parse(text('run')) as SelfAuditRun;
  } catch {
    problems.push('run is not JSON');
  }
  const record = {
    run: run as SelfAuditRun,
    actor: text('actor'),
    host: text('host'),
    trigger: text('trigger') as SelfAuditTrigger,
    target: text('target'),
  };
  if (problems.length === 0) {
    if (typeof run !== 'object' || run === null) problems.push('run is not an object');
    else {
      problems.push(...runRecordProblems(record));
      if (problems.length === 0 && item.sk?.S !== runSortKey(run)) {
        problems.push('sk does not match the run it holds');
      }
    }
  }
  if (item.pk?.S !== selfAuditPartitionKey) problems.push('pk is not the self-audit partition');
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  return record;
}

/** What the compliance report reads of every run: when, by whom, and each check's status. */
export interface RunSummary {
  readonly startedAt: string;
  readonly trigger: SelfAuditTrigger;
  readonly statuses: Readonly<Partial<Record<SelfAuditCheckName, SelfAuditCheckStatus>>>;
}

/** The attributes a summary reads (a Query's projection). */
export const summaryAttributes = ['sk', 'trigger', 'statuses'] as const;

/** A run item's summary, from its projected attributes; MalformedAuditItemError otherwise. */
export function summaryOfItem(item: AuditItem): RunSummary {
  const startedAt = item.sk?.S?.split('#')[0] ?? '';
  const trigger = item.trigger?.S as SelfAuditTrigger;
  const statuses: Partial<Record<SelfAuditCheckName, SelfAuditCheckStatus>> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(item.statuses?.M ?? {}) as [
    string,
    AttributeValue,
  ][]) {
    if (
      (selfAuditCheckNames as readonly string[]).includes(name) &&
      (selfAuditCheckStatuses as readonly unknown[]).includes(value.S)
    ) {
      statuses[name as SelfAuditCheckName] = value.S as SelfAuditCheckStatus;
    } else problems.push(`statuses.${name} is not a check's status`);
  }
  if (!Number.isFinite(Date.parse(startedAt))) problems.push('sk does not start with a time');
  if (!(selfAuditTriggers as readonly unknown[]).includes(trigger)) {
    problems.push('trigger is not schedule or operator');
  }
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  return { startedAt, trigger, statuses };
}
