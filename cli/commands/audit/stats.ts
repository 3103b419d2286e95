/**
 * `webhooks audit stats`: how many attempts each provider had in a time range, by outcome and
 * by reason, read from the audit trail itself (every record in the range, not a sample). Like
 * every read of the trail it is an admin action with its own record (PCI DSS v4.0.1 10.2.1.3).
 */
import type { Command } from 'commander';
import {
  type AuditOutcome,
  type AuditRecord,
  auditOutcomes,
  unregisteredProviderId,
} from '../../../functions/audit/record.ts';
import {
  auditReaderOf,
  checkAuditProvider,
  defaultSince,
  malformedWarnings,
  registeredProviders,
} from '../../audit-trail.ts';
import { namingDeniedAccess, reportingDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { timeRange } from '../../parse.ts';
import { type Progress, startProgress } from '../../progress.ts';
import { alignedTable } from '../../table.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../../target.ts';
import { isUnregistered, noRecordsHint } from '../../unregistered-provider.ts';

export interface AuditStatsFlags extends TargetFlags {
  readonly since?: string;
  readonly until?: string;
  readonly provider?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** What the audit trail holds for one provider in the range. */
export interface ProviderStats {
  readonly providerId: string;
  /**
   * Records read: one per attempt recorded (an accepted delivery's item holds its accepted
   * attempt and each repeat of it, each counted as a record).
   */
  records: number;
  readonly outcomes: Record<AuditOutcome, number>;
  /**
   * Refused attempts over their source's audit budget: counted, not written, and carried by
   * the next record written for that source (its `suppressedAttempts`). In no outcome or
   * reason count: their reasons were never recorded.
   */
  suppressedAttempts: number;
  /** Records by outcome and reason, most frequent first; accepted records have no reason. */
  readonly reasons: Array<{ outcome: AuditOutcome; reason: string; count: number }>;
}

/** Statistics as `--json` prints them. */
export interface AuditStats {
  readonly since: string;
  readonly until: string;
  readonly providers: readonly ProviderStats[];
  readonly total: Omit<ProviderStats, 'providerId' | 'reasons'>;
}

/** A provider's statistics before any record is counted. */
export function emptyStats(providerId: string): ProviderStats {
  const outcomes = Object.fromEntries(auditOutcomes.map((outcome) => [outcome, 0]));
  return {
    providerId,
    records: 0,
    outcomes: outcomes as Record<AuditOutcome, number>,
    suppressedAttempts: 0,
    reasons: [],
  };
}

/** Counts one record into its provider's statistics. */
export function countRecord(stats: ProviderStats, record: AuditRecord): void {
  stats.records += 1;
  stats.outcomes[record.outcome] += 1;
  stats.suppressedAttempts += record.suppressedAttempts ?? 0;
  if (record.reason === undefined) return;
  const row = stats.reasons.find(
    (entry) => entry.outcome === record.outcome && entry.reason === record.reason,
  );
  if (row === undefined) {
    stats.reasons.push({ outcome: record.outcome, reason: record.reason, count: 1 });
  } else {
    row.count += 1;
  }
}

/** The statistics of every provider read, reasons most frequent first, and their total. */
export function summarizeStats(
  providers: readonly ProviderStats[],
  sinceMs: number,
  untilMs: number,
): AuditStats {
  const total = emptyStats('total');
  for (const stats of providers) {
    total.records += stats.records;
    total.suppressedAttempts += stats.suppressedAttempts;
    for (const outcome of auditOutcomes) total.outcomes[outcome] += stats.outcomes[outcome];
  }
  const { providerId: _providerId, reasons: _reasons, ...totals } = total;
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    providers: providers.map((stats) => ({
      ...stats,
      reasons: [...stats.reasons].sort(
        (a, b) =>
          b.count - a.count ||
          a.outcome.localeCompare(b.outcome) ||
          a.reason.localeCompare(b.reason),
      ),
    })),
    total: totals,
  };
}

/** The text form: the range, a row of counts per provider and a total, then the reasons. */
export function formatStats(stats: AuditStats): string {
  const countRow = (name: string, row: AuditStats['total']) => [
    name,
    String(row.records),
    ...auditOutcomes.map((outcome) => String(row.outcomes[outcome])),
    String(row.suppressedAttempts),
  ];
  const counts = alignedTable([
    [
      'PROVIDER',
      'RECORDS',
      ...auditOutcomes.map((outcome) => outcome.toUpperCase()),
      'NOT WRITTEN',
    ],
    ...stats.providers.map((provider) => countRow(provider.providerId, provider)),
    countRow('TOTAL', stats.total),
  ]);
  const reasonRows = stats.providers.flatMap((provider) =>
    provider.reasons.map((row) => [
      provider.providerId,
      row.outcome,
      row.reason,
      String(row.count),
    ]),
  );
  const reasons =
    reasonRows.length === 0
      ? ''
      : `\n${alignedTable([['PROVIDER', 'OUTCOME', 'REASON', 'RECORDS'], ...reasonRows])}`;
  const note =
    stats.total.suppressedAttempts === 0
      ? ''
      : [
          '',
          "NOT WRITTEN: refused attempts over their source's audit budget, counted but not written;",
          'the next record written for the source carries the count. They are in no other column:',
          'their reasons were not recorded.',
          '',
        ].join('\n');
  return `${stats.since} to ${stats.until}\n\n${counts}${reasons}${note}`;
}

export async function auditStats(flags: AuditStatsFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const { sinceMs, untilMs } = timeRange(flags, Date.now(), { since: defaultSince });
      const providerId =
        flags.provider === undefined ? undefined : checkAuditProvider(flags.provider);
      return runAudited({ target, flags, io }, 'audit.stats', providerId ?? '*', async (detail) => {
        Object.assign(detail, {
          since: new Date(sinceMs).toISOString(),
          until: new Date(untilMs).toISOString(),
        });
        const providerIds = providerId === undefined ? await providersOf(target) : [providerId];
        const progress = startProgress(io, { quiet: flags.quiet === true });
        const { providers, warnings } = await readStats(target, progress, {
          providerIds,
          sinceMs,
          untilMs,
        }).finally(() => progress.done());
        const stats = summarizeStats(providers, sinceMs, untilMs);
        detail.records = String(stats.total.records);
        // Nothing found for a --provider the registry does not hold: most often a mistyped id.
        const hint =
          providerId !== undefined &&
          stats.total.records === 0 &&
          (await isUnregistered(target, providerId))
            ? noRecordsHint(providerId, flags, { sinceMs, untilMs })
            : '';
        return {
          code: exitCodes.ok,
          stdout: flags.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats),
          stderr: `${warnings}${hint}`,
        };
      });
    }),
  );
}

/** Every registered provider and the unregistered partition; a denied Scan names the table. */
async function providersOf(target: Target): Promise<string[]> {
  try {
    return await registeredProviders(target);
  } catch (error) {
    throw namingDeniedAccess(error, `table ${target.names.registryTableName}`);
  }
}

/** Reads and counts each provider's records in turn, reporting how far it has got. */
async function readStats(
  target: Target,
  progress: Progress,
  range: {
    readonly providerIds: readonly string[];
    readonly sinceMs: number;
    readonly untilMs: number;
  },
) {
  const { providerIds, sinceMs, untilMs } = range;
  const reader = auditReaderOf(target);
  const providers: ProviderStats[] = [];
  let warnings = '';
  let recordsRead = 0;
  let pagesBefore = 0;
  try {
    for (const [index, providerId] of providerIds.entries()) {
      const stats = emptyStats(providerId);
      providers.push(stats);
      let pagesRead = 0;
      for await (const batch of reader.readRangeByProvider({ providerId, sinceMs, untilMs })) {
        for (const record of batch.records) countRecord(stats, record);
        recordsRead += batch.records.length;
        pagesRead = batch.pagesRead;
        warnings += malformedWarnings([batch]);
        progress.update(
          `${recordsRead} records read, ${pagesBefore + pagesRead} pages (provider ${index + 1} of ${providerIds.length})`,
        );
      }
      pagesBefore += pagesRead;
    }
  } catch (error) {
    throw namingDeniedAccess(error, `table ${target.names.auditTableName}`);
  }
  return { providers, warnings };
}

/** Registers `audit stats` under `audit`. */
export function addAuditStatsCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('stats')
      .description('count attempts by provider, outcome and reason over a time range')
      .option(
        '--since <when>',
        `start: a duration back (30m, 24h, 7d) or an ISO date or time (default: ${defaultSince})`,
      )
      .option('--until <when>', 'end, in the same forms (default: now)')
      .option(
        '--provider <id>',
        `one provider only, or ${unregisteredProviderId} (default: every registered one and ${unregisteredProviderId})`,
      )
      .option('--json', 'print one JSON document')
      .option('--quiet', 'no progress on stderr'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit stats --local\n  $ webhooks audit stats --provider stripe-live --since 7d --json --stack webhook-ingestion',
    )
    .action(async (flags: AuditStatsFlags) => finish(await auditStats(flags, io)));
}
