/**
 * The compliance report as data: every control of the chosen regulations with its evidence and
 * tests, the cdk-nag results, the acknowledged findings with their reasons, and the retention
 * of each record class. Pure: everything it reads is handed in. The Markdown, HTML and JSON
 * outputs all render this one value.
 */

import { type RetentionClassName, retentionClasses } from '../../functions/config/retention.ts';
import { acknowledgements } from '../acknowledgements.ts';
import { controlsFor, isRegulatedProfile, regulations } from '../controls.ts';
import type { ComplianceProfileName } from '../profiles.ts';
import type { NagResults, RecordedAcknowledgement } from './assembly.ts';
import { type ControlResult, evaluateControl } from './control-result.ts';
import type { LiveSourceAllowlist, LiveStack } from './live.ts';
import { type RetentionRow, retentionRows } from './record-classes.ts';
import type { SupplyChain } from './supply-chain.ts';
import { property, resourcesOfType, type Template, valueAt } from './template.ts';

/** Where the profiles came from, for the header. */
export type ProfilesSource = 'flag' | 'stack' | 'template' | 'default';

export type TemplateSource =
  | { readonly kind: 'synthesized'; readonly durationMs: number }
  | { readonly kind: 'file'; readonly path: string };

export type StackState =
  | { readonly kind: 'template-only' }
  | { readonly kind: 'checked'; readonly live: LiveStack }
  | { readonly kind: 'unreachable'; readonly stackName: string; readonly reason: string };

export interface ReportInputs {
  readonly generatedAt: Date;
  readonly version: string;
  readonly profiles: readonly ComplianceProfileName[];
  readonly profilesSource: ProfilesSource;
  readonly template: Template;
  readonly templateSource: TemplateSource;
  readonly nag: NagResults;
  /** @default - the assembly's metadata was not available */
  readonly acknowledged?: readonly RecordedAcknowledgement[];
  readonly stack: StackState;
  /** Things the reader should know, e.g. that the stack names other profiles. */
  readonly notices: readonly string[];
  /** The scheduled self-audit's runs. @default - not read: the report was made without --stack */
  readonly periodicReview?: PeriodicReviewInput;
  /** @default - not read: the section says so */
  readonly supplyChain?: SupplyChain;
}

/** Evaluated once, for the report and the scheduled self-audit alike (control-result.ts). */
export { type ControlResult, evaluateControl };

/** One scheduled self-audit run, as the report cites it. */
export interface ReviewRun {
  /** ISO 8601. */
  readonly startedAt: string;
  /** The checks that failed, and those that could not run. */
  readonly failedChecks: readonly string[];
  readonly notRunChecks: readonly string[];
}

/**
 * The scheduled self-audit's runs (scheduled/self-audit/), read from the deployment's audit
 * table by the caller (`webhooks compliance report --stack`), or why they were not read.
 */
export type PeriodicReviewInput =
  | { readonly kind: 'read'; readonly runs: readonly ReviewRun[] }
  | { readonly kind: 'not-read'; readonly reason: string };

/** The periodic review as the report states it. */
export type PeriodicReview =
  | { readonly status: 'not-read'; readonly reason: string }
  | { readonly status: 'none' }
  | {
      readonly status: 'read';
      readonly runs: number;
      readonly firstRunAt: string;
      /** Average days between runs, one decimal; null with one run. */
      readonly everyDays: number | null;
      readonly lastRun: ReviewRun;
      /** The newest run with a failed check. @default - none failed */
      readonly lastFailure?: ReviewRun;
    };

export interface AcknowledgementResult {
  readonly rules: readonly string[];
  readonly resource: string;
  /** @default - every configuration */
  readonly condition?: string;
  readonly reason: string;
  /** Where it is recorded in this deployment: construct paths and logical ids. */
  readonly recordedOn: ReadonlyArray<{
    readonly constructPath: string;
    readonly logicalId?: string;
  }>;
}

export interface ComplianceReport {
  readonly generatedAt: string;
  readonly generatedBy: string;
  readonly profiles: readonly ComplianceProfileName[];
  readonly profilesSource: ProfilesSource;
  readonly regulations: readonly string[];
  readonly template:
    | { readonly source: 'synthesized'; readonly synthesisMs: number }
    | { readonly source: 'file'; readonly path: string };
  readonly stack:
    | { readonly status: 'template-only' }
    | { readonly status: 'checked'; readonly name: string; readonly region: string }
    | { readonly status: 'unreachable'; readonly name: string; readonly reason: string };
  readonly summary: {
    readonly passed: boolean;
    readonly controls: { readonly total: number; readonly passed: number; readonly failed: number };
    readonly failedControls: readonly string[];
    readonly nag: {
      readonly available: boolean;
      readonly unacknowledged: number | null;
      readonly acknowledged: number | null;
    };
    readonly live: {
      readonly agrees: number;
      readonly differs: number;
      readonly notChecked: number;
    } | null;
  };
  readonly controls: readonly ControlResult[];
  readonly nag: NagResults;
  /** Acknowledgements recorded in this deployment, or every one when that is not known. */
  readonly acknowledgements: readonly AcknowledgementResult[];
  /** Whether `acknowledgements` is what this deployment records, or the whole list. */
  readonly acknowledgementsKnown: boolean;
  /** Entries of compliance/acknowledgements.ts this deployment does not need. */
  readonly acknowledgementsNotApplying: ReadonlyArray<Omit<AcknowledgementResult, 'recordedOn'>>;
  /** Acknowledgements recorded by something else (AWS CDK itself), with their reasons. */
  readonly otherAcknowledgements: readonly RecordedAcknowledgement[];
  /**
   * Each provider's source allowlist, read from the live registry: runtime settings, which no
   * template holds (functions/registry/source-ranges.ts).
   */
  readonly sourceAllowlists:
    | { readonly status: 'not-read'; readonly reason: string }
    | { readonly status: 'read'; readonly providers: readonly LiveSourceAllowlist[] };
  /** The scheduled self-audit's runs as evidence of periodic review. */
  readonly periodicReview: PeriodicReview;
  /**
   * The AWS Config managed rules the template creates for the stack's own resources
   * (`selfAudit.awsConfigRules`), by identifier; empty when it creates none.
   */
  readonly configRules: ReadonlyArray<{ readonly resource: string; readonly identifier: string }>;
  /** The Lambdas' runtimes, SBOM and known vulnerabilities (supply-chain.ts), when read. */
  readonly supplyChain: SupplyChain | null;
  readonly retention: readonly RetentionRow[];
  readonly retentionClasses: ReadonlyArray<{
    readonly name: RetentionClassName;
    readonly auditDays: number;
    readonly payloadDays: number;
  }>;
  readonly notices: readonly string[];
}

/** Evaluates every control of `inputs.profiles` and gathers the rest of the report. */
export function buildReport(inputs: ReportInputs): ComplianceReport {
  const live = inputs.stack.kind === 'checked' ? inputs.stack.live : undefined;
  const controls = controlsFor(inputs.profiles).map((control) =>
    evaluateControl(control, inputs.template, live),
  );
  const failedControls = controls
    .filter((c) => !c.passed)
    .map((c) => `${c.regulation} ${c.clause}`);
  const { recorded, notApplying, others } = joinAcknowledgements(inputs.acknowledged);
  const unacknowledged = inputs.nag.available ? inputs.nag.findings.length : null;
  return {
    generatedAt: inputs.generatedAt.toISOString(),
    generatedBy: `webhooks compliance report (webhook-ingestion ${inputs.version})`,
    profiles: inputs.profiles,
    profilesSource: inputs.profilesSource,
    regulations: inputs.profiles.filter(isRegulatedProfile).map((profile) => regulations[profile]),
    template:
      inputs.templateSource.kind === 'synthesized'
        ? { source: 'synthesized', synthesisMs: inputs.templateSource.durationMs }
        : { source: 'file', path: inputs.templateSource.path },
    stack: stackSummary(inputs.stack),
    summary: {
      passed: failedControls.length === 0 && (unacknowledged ?? 0) === 0,
      controls: {
        total: controls.length,
        passed: controls.length - failedControls.length,
        failed: failedControls.length,
      },
      failedControls,
      nag: {
        available: inputs.nag.available,
        unacknowledged,
        acknowledged:
          inputs.acknowledged === undefined ? null : inputs.acknowledged.length - others.length,
      },
      live: live === undefined ? null : liveCounts(controls),
    },
    controls,
    nag: inputs.nag,
    acknowledgements: recorded,
    acknowledgementsKnown: inputs.acknowledged !== undefined,
    acknowledgementsNotApplying: notApplying,
    otherAcknowledgements: others,
    sourceAllowlists: sourceAllowlistsOf(live),
    periodicReview: periodicReviewOf(inputs.periodicReview),
    supplyChain: inputs.supplyChain ?? null,
    configRules: resourcesOfType(inputs.template, 'AWS::Config::ConfigRule').map(
      ({ id, resource }) => ({
        resource: id,
        identifier: String(valueAt(property(resource, 'Source'), 'SourceIdentifier') ?? 'custom'),
      }),
    ),
    retention: retentionRows(inputs.template, inputs.profiles),
    retentionClasses: Object.entries(retentionClasses).map(([name, days]) => ({
      name: name as RetentionClassName,
      ...days,
    })),
    notices: inputs.notices,
  };
}

/**
 * What the scheduled runs show: since when, how many, how often, the last one and the last
 * failure. Operator runs (`webhooks compliance audit`) are not periodic review and are not
 * handed in.
 */
export function periodicReviewOf(input: PeriodicReviewInput | undefined): PeriodicReview {
  if (input === undefined) return { status: 'not-read', reason: 'run with --stack' };
  if (input.kind === 'not-read') return { status: 'not-read', reason: input.reason };
  const runs = [...input.runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const first = runs[0];
  const last = runs.at(-1);
  if (first === undefined || last === undefined) return { status: 'none' };
  const spanDays = (Date.parse(last.startedAt) - Date.parse(first.startedAt)) / 86_400_000;
  const lastFailure = runs.findLast((run) => run.failedChecks.length > 0);
  return {
    status: 'read',
    runs: runs.length,
    firstRunAt: first.startedAt,
    everyDays: runs.length < 2 ? null : Math.round((spanDays / (runs.length - 1)) * 10) / 10,
    lastRun: last,
    ...(lastFailure === undefined ? {} : { lastFailure }),
  };
}

function sourceAllowlistsOf(live: LiveStack | undefined): ComplianceReport['sourceAllowlists'] {
  if (live === undefined) {
    return {
      status: 'not-read',
      reason: 'allowlists are settings of the running deployment: run the report with --stack',
    };
  }
  const read = live.sourceAllowlists;
  return 'value' in read
    ? { status: 'read', providers: read.value }
    : { status: 'not-read', reason: read.unavailable };
}

function stackSummary(stack: StackState): ComplianceReport['stack'] {
  switch (stack.kind) {
    case 'template-only':
      return { status: 'template-only' };
    case 'checked':
      return { status: 'checked', name: stack.live.stackName, region: stack.live.region };
    case 'unreachable':
      return { status: 'unreachable', name: stack.stackName, reason: stack.reason };
  }
}

/** Each live value counted once, however many controls show it. */
function liveCounts(controls: readonly ControlResult[]) {
  const seen = new Map<string, string>();
  for (const { evidence } of controls.flatMap((control) => control.checks)) {
    for (const { resource, property, live } of evidence) {
      if (live !== undefined) seen.set(`${resource}|${property}`, live.state);
    }
  }
  const states = [...seen.values()];
  const count = (state: string) => states.filter((s) => s === state).length;
  return { agrees: count('agrees'), differs: count('differs'), notChecked: count('not-checked') };
}

/**
 * Joins what the deployment recorded with compliance/acknowledgements.ts, by rule and reason.
 * Without the record, every entry is listed, since any of them may apply.
 */
function joinAcknowledgements(recorded: readonly RecordedAcknowledgement[] | undefined) {
  const describe = (entry: (typeof acknowledgements)[number]) => ({
    rules: entry.rules,
    resource: entry.resource,
    ...(entry.condition === undefined ? {} : { condition: entry.condition }),
    reason: entry.reason,
  });
  if (recorded === undefined) {
    return {
      recorded: acknowledgements.map((entry) => ({ ...describe(entry), recordedOn: [] })),
      notApplying: [],
      others: [],
    };
  }
  const matches = (entry: (typeof acknowledgements)[number], ack: RecordedAcknowledgement) =>
    entry.rules.includes(ack.rule) && entry.reason === ack.reason;
  const joined = acknowledgements.map((entry) => {
    const where = new Map<string, { constructPath: string; logicalId?: string }>();
    for (const ack of recorded.filter((a) => matches(entry, a))) {
      where.set(ack.constructPath, {
        constructPath: ack.constructPath,
        ...(ack.logicalId === undefined ? {} : { logicalId: ack.logicalId }),
      });
    }
    return { ...describe(entry), recordedOn: [...where.values()] };
  });
  return {
    recorded: joined.filter((entry) => entry.recordedOn.length > 0),
    notApplying: joined
      .filter((entry) => entry.recordedOn.length === 0)
      .map(({ recordedOn: _, ...entry }) => entry),
    others: recorded.filter((ack) => !acknowledgements.some((entry) => matches(entry, ack))),
  };
}
