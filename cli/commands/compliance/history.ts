/**
 * `webhooks compliance history`: the self-audit's runs (ops/review/run-store.ts), newest first:
 * when, who ran it (the schedule, or an operator), how many checks passed, failed and did not
 * run, which failed, and the template version checked.
 */
import type { Command } from 'commander';
import { maxListLimit } from '../../../ops/audit/audit-query.ts';
import { checksByStatus, type SelfAuditRunRecord } from '../../../ops/review/run-record.ts';
import { reportingPlainly } from '../../errors.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { selfAuditHistoryOf } from '../../self-audit.ts';
import { alignedTable } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface ComplianceHistoryFlags extends TargetFlags {
  readonly json?: boolean;
  readonly limit?: string;
}

/** How many runs `history` lists without `--limit`. */
export const defaultHistoryLimit = 30;

/** `history`'s text form: one row per run. */
export function formatHistory(records: readonly SelfAuditRunRecord[]): string {
  return alignedTable([
    ['STARTED', 'BY', 'PASSED', 'FAILED', 'NOT RUN', 'FAILED CHECKS', 'TEMPLATE'],
    ...records.map(({ run, trigger, actor }) => {
      const { passed, failed, notRun } = checksByStatus(run);
      return [
        run.startedAt,
        trigger === 'schedule' ? 'schedule' : actor,
        String(passed.length),
        String(failed.length),
        String(notRun.length),
        failed.length === 0 ? '-' : failed.join(','),
        run.templateSha256 === undefined ? '-' : run.templateSha256.slice(0, 12),
      ];
    }),
  ]);
}

export async function listComplianceHistory(
  flags: ComplianceHistoryFlags,
  io: Io,
): Promise<ExitCode> {
  return reportingPlainly(io, [UsageError], () => listRuns(flags, io));
}

async function listRuns(flags: ComplianceHistoryFlags, io: Io): Promise<ExitCode> {
  const limit = flags.limit === undefined ? defaultHistoryLimit : Number(flags.limit);
  if (
    flags.limit !== undefined &&
    (!/^\d+$/.test(flags.limit) || limit < 1 || limit > maxListLimit)
  ) {
    throw new UsageError(`--limit must be a whole number from 1 to ${maxListLimit}`);
  }
  return withTarget(flags, io, async (target) => {
    const { runs, malformed } = await selfAuditHistoryOf(target).listRuns(limit);
    if (flags.json) io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    else if (runs.length === 0) io.stdout('no self-audit run is recorded\n');
    else io.stdout(formatHistory(runs));
    for (const error of malformed) io.stderr(`warning: ${error.message}\n`);
    return exitCodes.ok;
  });
}

/** Registers `compliance history` under `compliance`. */
export function addComplianceHistoryCommand(
  compliance: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    compliance
      .command('history')
      .description("list the self-audit's runs, newest first: by whom, what failed, which template")
      .option('--limit <n>', `the most runs listed (default: ${defaultHistoryLimit})`)
      .option('--json', 'print the runs as JSON, with every finding'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ webhooks compliance history --local',
        '  $ webhooks compliance history --stack webhook-ingestion --limit 7 --json',
      ].join('\n'),
    )
    .action(async (flags: ComplianceHistoryFlags) =>
      finish(await listComplianceHistory(flags, io)),
    );
}
