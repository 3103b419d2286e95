/**
 * The self-audit's runs in the audit table: `recordSelfAuditRun` writes a run's item
 * (run-record.ts) and its admin record (`compliance.audit`), both sealed under the operator's
 * seal keys; `SelfAuditHistory` reads them back for `webhooks compliance history`, the
 * compliance report and the next run's `access-changes`. Reads skip items past their
 * `expiresAt`, as every read of the trail does (../audit/audit-query.ts).
 */
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import type { Sealer } from '../../functions/audit/record-seal.ts';
import {
  type AdminDetail,
  type AdminRecord,
  adminFieldLimits,
} from '../admin-trail/admin-record.ts';
import { AdminTrailStore } from '../admin-trail/admin-trail-store.ts';
import { type AuditTableOptions, type LiveReads, queryLive } from '../audit/audit-query.ts';
import { putNewItem } from '../audit/put-new-item.ts';
import { readEach } from '../audit/read-items.ts';
import type { PrincipalSets } from './access-changes.ts';
import {
  checksByStatus,
  cut,
  fromRunItem,
  type RunSummary,
  runSha256,
  type SelfAuditRunRecord,
  selfAuditPartitionKey,
  summaryAttributes,
  summaryOfItem,
  toRunItem,
} from './run-record.ts';

export interface RecordRunOptions {
  readonly dynamodb: AuditTableOptions['dynamodb'];
  /** The audit table's name. */
  readonly tableName: string;
  /** Seals both items: the operator's writer (the schedule acts in the operator's stead). */
  readonly sealer: Sealer;
}

/**
 * Writes the run's item, then its admin record naming the item's SHA-256: two conditional puts
 * of new keys, so nothing is overwritten. Throws (DependencyUnavailableError, or the sealer's
 * KMS error) when either cannot be written: the run then has no complete record, and the
 * scheduled function fails so that its alarm fires.
 */
export async function recordSelfAuditRun(
  options: RecordRunOptions,
  record: SelfAuditRunRecord,
): Promise<{ readonly runSha256: string }> {
  const item = toRunItem(record);
  const digest = runSha256(item);
  await putNewItem(options.dynamodb, options.tableName, await options.sealer.sealItem(item));
  await new AdminTrailStore(options).writeAdminAction(adminRecordOf(record, digest));
  return { runSha256: digest };
}

/** The run's admin record: what was checked, passed, failed and not run, and against what. */
export function adminRecordOf(record: SelfAuditRunRecord, digest: string): AdminRecord {
  const { run } = record;
  const { passed, failed, notRun } = checksByStatus(run);
  const names = (list: readonly string[]) => (list.length === 0 ? 'none' : list.join(','));
  const detail: AdminDetail = {
    trigger: record.trigger,
    profiles: names(run.profiles),
    cryptoperiodDays: String(run.settings.cryptoperiodDays),
    idleProviderDays: String(run.settings.idleProviderDays),
    checksPassed: names(passed),
    checksFailed: names(failed),
    checksNotRun: names(notRun),
    findings: String(run.checks.reduce((sum, check) => sum + check.findings.length, 0)),
    runSha256: digest,
    ...(run.templateSha256 === undefined ? {} : { templateSha256: run.templateSha256 }),
  };
  const reasons = run.checks
    .filter((check) => check.reason !== undefined)
    .map((check) => `${check.name}: ${check.reason}`);
  if (reasons.length > 0) detail.notRunReasons = detailText(reasons.join('; '));
  const findings = run.checks
    .filter((check) => check.status === 'failed')
    .flatMap((check) => check.findings.map((finding) => `${check.name}: ${finding}`));
  if (findings.length > 0) detail.findingSummary = detailText(findings.join('; '));
  return {
    requestId: run.runId,
    actor: record.actor,
    host: cut(record.host, adminFieldLimits.host),
    action: 'compliance.audit',
    target: cut(record.target, adminFieldLimits.target),
    atMs: Date.parse(run.finishedAt),
    outcome: 'succeeded',
    detail,
  };
}

/** A detail's value: no control characters, within the detail's length. */
function detailText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a detail must hold none
  return cut(text.replace(/[\u0000-\u001f\u007f]+/g, ' '), adminFieldLimits.detailValue);
}

/** Runs newest first, and each item that could not be read. */
export interface RunListing {
  readonly runs: readonly SelfAuditRunRecord[];
  readonly malformed: readonly MalformedAuditItemError[];
}

/** How many runs back the next run looks for principal sets to compare with. */
const principalLookback = 10;

/**
 * Reads the recorded runs.
 * @example
 * const history = new SelfAuditHistory({ dynamodb, tableName: target.names.auditTableName });
 * const { runs } = await history.listRuns(20);
 */
export class SelfAuditHistory {
  readonly #reads: LiveReads;
  readonly #tableName: string;

  constructor(options: AuditTableOptions) {
    this.#reads = { dynamodb: options.dynamodb, now: options.now ?? Date.now };
    this.#tableName = options.tableName;
  }

  /** The newest `limit` runs, newest first: one Query (DynamoDBUnavailable when it fails). */
  async listRuns(limit: number): Promise<RunListing> {
    const items = await queryLive(this.#reads, this.#input({ Limit: limit }), limit);
    const { read: runs, malformed } = readEach(items, fromRunItem);
    return { runs, malformed };
  }

  /** Every run's summary, newest first, read without the runs' findings. */
  async summaries(): Promise<{
    readonly summaries: readonly RunSummary[];
    readonly malformed: readonly MalformedAuditItemError[];
  }> {
    // `expiresAt` too: the read leaves out what has expired.
    const projected = [...summaryAttributes, 'expiresAt'];
    const names = Object.fromEntries(projected.map((name) => [`#${name}`, name]));
    const items = await queryLive(
      this.#reads,
      this.#input({
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: { ...names, '#pk': 'pk' },
      }),
      Number.POSITIVE_INFINITY,
    );
    const { read: summaries, malformed } = readEach(items, summaryOfItem);
    return { summaries, malformed };
  }

  /**
   * The principal sets of the newest run that recorded them, among the last few, with when
   * they were read; undefined when none did (the first run).
   */
  async latestPrincipals(): Promise<
    { readonly principals: PrincipalSets; readonly readAtMs: number } | undefined
  > {
    const { runs } = await this.listRuns(principalLookback);
    for (const { run } of runs) {
      if (run.principals === undefined) continue;
      const readAt = Date.parse(run.principalsReadAt ?? run.startedAt);
      return { principals: run.principals, readAtMs: readAt };
    }
    return undefined;
  }

  #input(extra: Record<string, unknown>) {
    return {
      TableName: this.#tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': { S: selfAuditPartitionKey } },
      ScanIndexForward: false,
      ConsistentRead: true,
      ...extra,
    };
  }
}
