/**
 * How strongly each control is shown, in three levels an assessor can weigh:
 *
 * - `configured`: the template sets what the control depends on (its rules pass);
 * - `in place`: the live mode read every deployed setting the control cites, and each agrees
 *   with the template (each reading with its time);
 * - `operating`: in place, and shown working: the latest scheduled self-audit run checked it
 *   and passed, or every test that proves it passed in the test results handed to the report.
 *
 * A control whose rules fail, or whose live value contradicts the template, is `fail`. A
 * template alone never makes more than `configured`: it says what was asked for, not what
 * runs. A setting that could not be read keeps the control at `configured`, with the reason.
 * Pure: everything it weighs is handed in.
 */
import type { ControlResult } from './control-result.ts';
import { type TestOutcome, type TestResults, testOutcome } from './test-results.ts';

export const evidenceLevels = ['fail', 'configured', 'in place', 'operating'] as const;
export type EvidenceLevel = (typeof evidenceLevels)[number];

/** What the live mode showed of a control's deployed settings. */
export type InPlaceEvidence =
  | { readonly status: 'not-read'; readonly reason: string }
  | {
      readonly status: 'read';
      /** Rows of the control's checks that name a deployed resource (not code). */
      readonly rows: number;
      readonly agrees: number;
      readonly differs: number;
      /** Each row not read, `resource property: reason`. */
      readonly notRead: readonly string[];
      /** The earliest and latest time a value was read. @default - none was read */
      readonly readBetween?: { readonly first: string; readonly last: string };
    };

/** The latest scheduled self-audit run's word on the control. */
export type SelfAuditEvidence =
  | { readonly status: 'not-read'; readonly reason: string }
  | { readonly status: 'no-run' }
  | {
      readonly status: 'ran';
      readonly check: string;
      readonly startedAt: string;
      readonly result: 'passed' | 'failed' | 'not_run';
    };

/** The control's tests in the results handed to the report. */
export type TestEvidence =
  | { readonly status: 'not-run'; readonly reason: string }
  | {
      readonly status: 'ran';
      readonly source: string;
      readonly ranAt: string;
      readonly tests: ReadonlyArray<{
        readonly file: string;
        readonly name: string;
        readonly outcome: TestOutcome;
      }>;
    };

export interface ControlEvidence {
  readonly level: EvidenceLevel;
  readonly configured: boolean;
  readonly inPlace: InPlaceEvidence;
  readonly selfAudit: SelfAuditEvidence;
  readonly tests: TestEvidence;
}

/** One scheduled self-audit run as the levels read it. */
export interface ScheduledRun {
  readonly startedAt: string;
  readonly passedChecks: readonly string[];
  readonly failedChecks: readonly string[];
  readonly notRunChecks: readonly string[];
}

/** What the levels are weighed from, besides each control's own result. */
export interface EvidenceSources {
  /** Why no live values were read. @default - the stack was read */
  readonly notLive?: string;
  /** The scheduled runs, or why they were not read. */
  readonly scheduledRuns: { readonly runs: readonly ScheduledRun[] } | { readonly reason: string };
  /** @default - no results were handed in */
  readonly testResults?: TestResults;
}

/**
 * The self-audit check that covers every control: it runs the report's own rules against the
 * deployed template and the live stack (scheduled/self-audit/template-controls.ts).
 */
export const coveringSelfAuditCheck = 'template-controls';

/** Weighs the evidence of one control. */
export function controlEvidence(control: ControlResult, sources: EvidenceSources): ControlEvidence {
  const inPlace = inPlaceOf(control, sources.notLive);
  const selfAudit = selfAuditOf(sources.scheduledRuns);
  const tests = testsOf(control, sources.testResults);
  const shownInPlace =
    inPlace.status === 'read' &&
    inPlace.agrees > 0 &&
    inPlace.differs === 0 &&
    inPlace.notRead.length === 0;
  const working =
    (selfAudit.status === 'ran' && selfAudit.result === 'passed') ||
    (tests.status === 'ran' &&
      tests.tests.length > 0 &&
      tests.tests.every((test) => test.outcome === 'passed'));
  const level: EvidenceLevel = !control.passed
    ? 'fail'
    : !shownInPlace
      ? 'configured'
      : working
        ? 'operating'
        : 'in place';
  return { level, configured: control.passed, inPlace, selfAudit, tests };
}

/** The weakest level among `levels`, and how many controls are at it; null for none. */
export function weakestLevel(
  levels: readonly EvidenceLevel[],
): { readonly level: EvidenceLevel; readonly controls: number } | null {
  const rank = (level: EvidenceLevel) => evidenceLevels.indexOf(level);
  const weakest = [...levels].sort((a, b) => rank(a) - rank(b))[0];
  return weakest === undefined
    ? null
    : { level: weakest, controls: levels.filter((level) => level === weakest).length };
}

/** How many controls are at each level. */
export function levelCounts(levels: readonly EvidenceLevel[]): Record<EvidenceLevel, number> {
  return Object.fromEntries(
    evidenceLevels.map((level) => [level, levels.filter((l) => l === level).length]),
  ) as Record<EvidenceLevel, number>;
}

function inPlaceOf(control: ControlResult, notLive: string | undefined): InPlaceEvidence {
  if (notLive !== undefined) return { status: 'not-read', reason: notLive };
  // A setting made in code is no deployed resource: its tests show it, not the live stack.
  const rows = control.checks
    .flatMap((check) => check.evidence)
    .filter((row) => row.type !== 'code');
  const notRead = rows.flatMap((row) =>
    row.live === undefined
      ? [`${row.resource} ${row.property}: not read by the live mode`]
      : row.live.state === 'not-checked'
        ? [`${row.resource} ${row.property}: ${row.live.reason}`]
        : [],
  );
  const times = rows
    .flatMap((row) => (row.live?.readAt === undefined ? [] : [row.live.readAt]))
    .sort();
  const first = times[0];
  const last = times.at(-1);
  return {
    status: 'read',
    rows: rows.length,
    agrees: rows.filter((row) => row.live?.state === 'agrees').length,
    differs: rows.filter((row) => row.live?.state === 'differs').length,
    notRead: [...new Set(notRead)],
    ...(first === undefined || last === undefined ? {} : { readBetween: { first, last } }),
  };
}

function selfAuditOf(scheduled: EvidenceSources['scheduledRuns']): SelfAuditEvidence {
  if ('reason' in scheduled) return { status: 'not-read', reason: scheduled.reason };
  const latest = [...scheduled.runs]
    .filter((run) =>
      [...run.passedChecks, ...run.failedChecks, ...run.notRunChecks].includes(
        coveringSelfAuditCheck,
      ),
    )
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
  if (latest === undefined) return { status: 'no-run' };
  const result = latest.failedChecks.includes(coveringSelfAuditCheck)
    ? 'failed'
    : latest.notRunChecks.includes(coveringSelfAuditCheck)
      ? 'not_run'
      : 'passed';
  return { status: 'ran', check: coveringSelfAuditCheck, startedAt: latest.startedAt, result };
}

function testsOf(control: ControlResult, results: TestResults | undefined): TestEvidence {
  if (results === undefined) {
    return { status: 'not-run', reason: 'not run with this report' };
  }
  return {
    status: 'ran',
    source: results.source,
    ranAt: results.ranAt,
    tests: control.tests.map((test) => ({
      file: test.file,
      name: test.name,
      outcome: testOutcome(results, test),
    })),
  };
}
