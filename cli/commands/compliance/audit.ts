/**
 * `webhooks compliance audit`: the scheduled self-audit (scheduled/self-audit/run.ts) run from
 * the operator's machine against a deployment, the same code as the schedule's, its run
 * recorded the same way (the run's item and a `compliance.audit` admin record, under the
 * operator's name). `--local` runs it against the local stack: everything but
 * `template-controls`, which needs a CloudFormation stack.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Clock } from '../../../functions/verify/types.ts';
import type { SelfAuditRun } from '../../../ops/review/run-record.ts';
import { reportingPlainly } from '../../errors.ts';
import { callerIdentity } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { reviewOverrides, selfAuditAccessOf } from '../../self-audit.ts';
import {
  addTargetOptions,
  awsNow,
  operatorSealerOf,
  type TargetFlags,
  withTarget,
} from '../../target.ts';

export interface ComplianceAuditFlags extends TargetFlags {
  readonly json?: boolean;
  readonly cryptoperiodDays?: string;
  readonly idleDays?: string;
}

/** What the command reaches outside itself; a test sets the clock to age keys and providers. */
export interface ComplianceAuditDependencies {
  /** @default now by AWS's clock (target.ts `awsNow`) */
  readonly now?: Clock;
}

const statusWords = { passed: 'passed', failed: 'FAILED', not_run: 'not run' } as const;

/** The run as text: a summary line, then each check with its status and findings. */
export function formatRun(run: SelfAuditRun, deployment: string): string {
  const count = (status: keyof typeof statusWords) =>
    run.checks.filter((check) => check.status === status).length;
  const width = Math.max(...run.checks.map((check) => check.name.length));
  const lines = [
    `self-audit ${run.runId} of ${deployment} at ${run.startedAt}: ${count('passed')} passed, ${count('failed')} failed, ${count('not_run')} not run`,
    `settings: profiles ${run.profiles.join(', ')}; cryptoperiod ${run.settings.cryptoperiodDays} days; idle after ${run.settings.idleProviderDays} days; integrity over the last ${run.settings.integrityWindowSeconds} s`,
    `template: ${run.templateSha256 === undefined ? 'not read' : `sha256 ${run.templateSha256}`}`,
    ...run.checks.flatMap((check) => [
      `${check.name.padEnd(width)}  ${statusWords[check.status].padEnd(7)}  ${check.reason ?? check.summary ?? ''}`.trimEnd(),
      ...check.findings.map((finding) => `  - ${finding}`),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the self-audit, records it and prints it; exit 0 when every check passed, 1 when any
 * failed or could not run (a check not run is not passed), 2 for bad usage or a run that could
 * not be recorded.
 */
export async function auditCompliance(
  flags: ComplianceAuditFlags,
  io: Io,
  dependencies: ComplianceAuditDependencies = {},
): Promise<ExitCode> {
  return reportingPlainly(io, [UsageError], () => runAndRecord(flags, io, dependencies));
}

async function runAndRecord(
  flags: ComplianceAuditFlags,
  io: Io,
  dependencies: ComplianceAuditDependencies,
): Promise<ExitCode> {
  const overrides = reviewOverrides(flags);
  return withTarget(flags, io, async (target) => {
    // Named before anything is read: a run is recorded under its caller.
    const actor = await callerIdentity(flags);
    const access = await selfAuditAccessOf(target, flags);
    try {
      const [{ runSelfAudit }, { selfAuditSettings }, { recordSelfAuditRun }] = await Promise.all([
        import('../../../scheduled/self-audit/run.ts'),
        import('../../../scheduled/self-audit/settings.ts'),
        import('../../../ops/review/run-store.ts'),
      ]);
      const now = dependencies.now ?? (() => awsNow(target));
      const run = await runSelfAudit(access.target, selfAuditSettings(access.profiles, overrides), {
        now,
      });
      const output = (recorded: { runSha256: string } | undefined) =>
        flags.json
          ? `${JSON.stringify({ ...run, ...(recorded ?? {}) }, null, 2)}\n`
          : formatRun(run, access.name);
      let recorded: { runSha256: string };
      try {
        recorded = await recordSelfAuditRun(
          {
            dynamodb: target.dynamodb,
            tableName: target.names.auditTableName,
            sealer: operatorSealerOf(target),
          },
          { run, actor, host: hostname(), trigger: 'operator', target: access.name },
        );
      } catch (error) {
        io.stdout(output(undefined));
        io.stderr(
          `error: the run could not be recorded in the audit trail (${error instanceof Error ? error.message : String(error)}): it is not evidence of a review\n`,
        );
        return exitCodes.usage;
      }
      io.stdout(output(recorded));
      if (!flags.json) {
        io.stderr(
          `recorded: run ${run.runId} (compliance.audit in the admin trail; webhooks compliance history lists it)\n`,
        );
      }
      return run.checks.every((check) => check.status === 'passed')
        ? exitCodes.ok
        : exitCodes.rejected;
    } finally {
      access.close();
    }
  });
}

/** Registers `compliance audit` under `compliance`. */
export function addComplianceAuditCommand(
  compliance: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    compliance
      .command('audit')
      .description(
        'run the self-audit now: template controls, key ages, idle providers, trail integrity, access changes',
      )
      .option(
        '--cryptoperiod-days <days>',
        "flag provider keys older than this (default: the profiles' cryptoperiod)",
      )
      .option(
        '--idle-days <days>',
        'flag enabled providers without an accepted delivery for longer (default: 30)',
      )
      .option('--json', 'print the run as JSON'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Checks: template-controls, key-cryptoperiod, key-grace-overdue, idle-providers,',
        'audit-integrity, access-changes; each passed, failed or not run (with the reason).',
        'The run is recorded in the admin trail (compliance.audit), as the scheduled runs are.',
        '',
        'Exit codes: 0 every check passed, 1 a check failed or could not run, 2 bad usage or a',
        'run that could not be recorded.',
        '',
        'Examples:',
        '  $ webhooks compliance audit --local',
        '  $ webhooks compliance audit --stack webhook-ingestion --cryptoperiod-days 365 --json',
      ].join('\n'),
    )
    .action(async (flags: ComplianceAuditFlags) => finish(await auditCompliance(flags, io)));
}
