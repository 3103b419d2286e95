/**
 * `webhooks audit list`: a deployment's delivery records by provider and time, or with
 * `--admin` its admin actions. The read is itself an admin action with its own record
 * (PCI DSS v4.0.1 10.2.1.3: all access to audit logs), written before anything is shown.
 */
import type { Command } from 'commander';
import {
  type AuditOutcome,
  type AuditRecord,
  auditOutcomes,
  unregisteredProviderId,
} from '../../../functions/audit/record.ts';
import type { AdminRecord } from '../../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../../ops/admin-trail/admin-trail-store.ts';
import { maxListLimit } from '../../../ops/audit/audit-query.ts';
import {
  auditReaderOf,
  checkAuditProvider,
  defaultSince,
  malformedWarnings,
  recordView,
  registeredProviders,
} from '../../audit-trail.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { timeRange } from '../../parse.ts';
import { alignedTable, iso } from '../../table.ts';
import {
  addTargetOptions,
  operatorSealerOf,
  type Target,
  type TargetFlags,
  withTarget,
} from '../../target.ts';
import { isUnregistered, noRecordsHint } from '../../unregistered-provider.ts';

export interface AuditListFlags extends TargetFlags {
  readonly provider?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly json?: boolean;
  /** Lists admin actions instead of delivery attempts. */
  readonly admin?: boolean;
}

/** How many records `list` prints without `--limit`. */
export const defaultListLimit = 100;

export async function listAudit(flags: AuditListFlags, io: Io): Promise<ExitCode> {
  if (flags.admin) return listAdminActions(flags, io);
  return withTarget(flags, io, async (target) => {
    const query = listQuery(flags, Date.now());
    const subject = query.providerId ?? '*';
    return runAudited({ target, flags, io }, 'audit.list', subject, async (detail) => {
      Object.assign(detail, {
        trail: 'deliveries',
        since: iso(query.sinceMs),
        until: iso(query.untilMs),
        ...(query.outcome === undefined ? {} : { outcomeFilter: query.outcome }),
      });
      const providerIds =
        query.providerId === undefined ? await registeredProviders(target) : [query.providerId];
      const reader = auditReaderOf(target);
      const listings = await Promise.all(
        providerIds.map((providerId) => reader.listByProvider({ ...query, providerId })),
      );
      const records = listings
        .flatMap((listing) => listing.records)
        .sort((a, b) => b.receivedAtMs - a.receivedAtMs)
        .slice(0, query.limit);
      detail.records = String(records.length);
      return {
        code: exitCodes.ok,
        stdout: flags.json
          ? records.map((record) => `${JSON.stringify(recordView(record))}\n`).join('')
          : formatAuditTable(records),
        stderr: `${malformedWarnings(listings)}${await unknownProviderHint(target, flags, query, records.length)}`,
      };
    });
  });
}

/** Nothing found for a `--provider` the registry does not hold: most often a mistyped id. */
async function unknownProviderHint(
  target: Target,
  flags: AuditListFlags,
  query: {
    readonly providerId?: string | undefined;
    readonly sinceMs: number;
    readonly untilMs: number;
  },
  records: number,
): Promise<string> {
  const { providerId } = query;
  if (providerId === undefined || records > 0) return '';
  return (await isUnregistered(target, providerId)) ? noRecordsHint(providerId, flags, query) : '';
}

/** An admin record as `list --admin --json` prints it. */
export function adminRecordView(record: AdminRecord) {
  const { atMs, ...rest } = record;
  return { at: iso(atMs), ...rest };
}

/** `list --admin`: admin actions newest first, this one's own record written before it prints. */
async function listAdminActions(flags: AuditListFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    if (flags.provider !== undefined || flags.outcome !== undefined) {
      throw new UsageError('--provider and --outcome filter delivery attempts: not with --admin');
    }
    const range = rangeQuery(flags, Date.now());
    return runAudited({ target, flags, io }, 'audit.list', '*', async (detail) => {
      Object.assign(detail, { trail: 'admin', since: iso(range.sinceMs) });
      const trail = new AdminTrailStore({
        dynamodb: target.dynamodb,
        tableName: target.names.auditTableName,
        sealer: operatorSealerOf(target),
      });
      const listing = await trail.listAdminActions(range);
      detail.records = String(listing.records.length);
      return {
        code: exitCodes.ok,
        stdout: flags.json
          ? listing.records.map((record) => `${JSON.stringify(adminRecordView(record))}\n`).join('')
          : formatAdminTable(listing.records),
        stderr: malformedWarnings([listing]),
      };
    });
  });
}

function listQuery(flags: AuditListFlags, nowMs: number) {
  const providerId = flags.provider === undefined ? undefined : checkAuditProvider(flags.provider);
  if (
    flags.outcome !== undefined &&
    !(auditOutcomes as readonly string[]).includes(flags.outcome)
  ) {
    throw new UsageError(
      `--outcome must be one of ${auditOutcomes.join(', ')}, got '${flags.outcome}'`,
    );
  }
  return {
    providerId,
    ...(flags.outcome === undefined ? {} : { outcome: flags.outcome as AuditOutcome }),
    ...rangeQuery(flags, nowMs),
  };
}

/** `--since`, `--until` and `--limit`, for either trail. */
function rangeQuery(flags: AuditListFlags, nowMs: number) {
  const limit = flags.limit === undefined ? defaultListLimit : Number(flags.limit);
  if (!/^\d+$/.test(flags.limit ?? '1') || limit < 1 || limit > maxListLimit) {
    throw new UsageError(`--limit must be a whole number from 1 to ${maxListLimit}`);
  }
  return { ...timeRange(flags, nowMs, { since: defaultSince }), limit };
}

/** `list`'s text form: one line per attempt, newest first. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  return alignedTable([
    ['RECEIVED', 'PROVIDER', 'OUTCOME', 'REASON', 'EVENT', 'DELIVERY'],
    ...records.map((record) => [
      iso(record.receivedAtMs),
      record.requestedProviderId === undefined
        ? record.providerId
        : `${record.providerId} (${JSON.stringify(record.requestedProviderId)})`,
      record.erasedAtMs === undefined ? record.outcome : `${record.outcome} (erased)`,
      // A record that stands for refused attempts counted but not written says how many.
      `${record.reason ?? '-'}${record.suppressedAttempts === undefined ? '' : ` (+${record.suppressedAttempts} not written)`}`,
      record.eventType ?? '-',
      record.deliveryId,
    ]),
  ]);
}

/** `list --admin`'s text form: one line per action, newest first, its details last. */
export function formatAdminTable(records: readonly AdminRecord[]): string {
  return alignedTable([
    ['AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'DETAIL'],
    ...records.map((record) => [
      iso(record.atMs),
      record.actor,
      record.action,
      record.target,
      record.reason === undefined ? record.outcome : `${record.outcome} (${record.reason})`,
      Object.entries(record.detail)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ') || '-',
    ]),
  ]);
}

/** Registers `audit list` under `audit`. */
export function addAuditListCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('list')
      .description('delivery attempts (or with --admin, admin actions), newest first')
      .option(
        '--provider <id>',
        `one provider only, or ${unregisteredProviderId} for attempts at unknown ids (default: all)`,
      )
      .option('--outcome <outcome>', `only ${auditOutcomes.join(', ')}`)
      .option(
        '--since <when>',
        `start: a duration back (30m, 24h, 7d) or an ISO date or time (default: ${defaultSince})`,
      )
      .option('--until <when>', 'end, in the same forms (default: now)')
      .option('--limit <n>', `the most attempts printed (default: ${defaultListLimit})`)
      .option('--admin', 'admin actions (who changed a provider or read the trail) instead')
      .option('--json', 'print one JSON line per attempt'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit list --provider stripe-live --outcome rejected --since 7d --local\n  $ webhooks audit list --admin --since 30d --json --stack webhook-ingestion',
    )
    .action(async (flags: AuditListFlags) => finish(await listAudit(flags, io)));
}
